/**
 * What the login page needs to offer social sign-in: one button per enabled provider, and
 * every text its script may show, already translated and interpolated (they travel as data
 * attributes, escaped by Handlebars; the script sets them with textContent).
 */
import type { FastifyInstance } from 'fastify';
import type { Provider } from './types';

/** Brand names stay as they are in every language. */
const NAMES: Record<Provider, string> = { facebook: 'Facebook', google: 'Google', twitter: 'Twitter' };

export function socialView(fastify: FastifyInstance, lang: string) {
  const social = fastify.config.social;
  const enabled = fastify.deps.social?.providers ?? [];
  if (!social || enabled.length === 0) return undefined;
  const t = (key: string, provider?: Provider) => fastify.i18n.t(lang, `social.${key}`, provider ? { provider: NAMES[provider] } : undefined);
  return {
    rcOrigin: fastify.config.rocketChatOrigin,
    timeoutMs: social.replyTimeoutMs,
    or: t('or'),
    msgSigningIn: t('signingIn'),
    msgFormExpired: fastify.i18n.t(lang, 'errors.formExpired'),
    providers: enabled.map((id) => ({
      id,
      label: t('continueWith', id),
      msgWaiting: t('waiting', id),
      msgUnsupported: t('unsupported', id),
      msgError: t('providerError', id),
      msgSaid: t('providerSaid', id),
      msgRefused: t('refused', id),
      msgUnavailable: t('unavailable', id),
    })),
  };
}
