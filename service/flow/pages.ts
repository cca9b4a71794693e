/**
 * The pages of the Iframe URL, with branding and the query kept through the flow. Every
 * string a person reads comes from the catalogues (service/i18n) in the page's language;
 * routes name messages by key, never by English text.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LANGUAGE_TAG } from '../i18n/catalogue';

/** BRANDING_TITLE's default (config/areas/pages.ts): when it is left alone, the catalogue's login.title is shown. */
const DEFAULT_TITLE = 'Sign in to chat';
import { socialView } from '../social/page';
import { THEMES, themeCss, type ThemeName } from '../theme/palette';
import type { RocketChatCredential } from '../modes/issuer';

export interface PageQuery {
  client?: string;
  lang?: string;
  theme?: ThemeName;
}

export function queryString(query: PageQuery): string {
  const params = new URLSearchParams();
  if (query.client) params.set('client', query.client);
  if (query.lang) params.set('lang', query.lang);
  if (query.theme) params.set('theme', query.theme);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The page parameters of a request no schema has checked yet (a rate-limited one): valid ones only. */
export function pageQueryFrom(raw: unknown): PageQuery {
  const query = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const pick = (name: string, valid: (value: string) => boolean) => (typeof query[name] === 'string' && valid(query[name] as string) ? (query[name] as string) : undefined);
  return {
    client: pick('client', (value) => /^[a-z]{1,16}$/.test(value)),
    lang: pick('lang', (value) => LANGUAGE_TAG.test(value)),
    theme: pick('theme', (value) => (THEMES as readonly string[]).includes(value)) as ThemeName | undefined,
  };
}

export function common(fastify: FastifyInstance, reply: FastifyReply, query: PageQuery) {
  const lang = fastify.i18n.choose(query.lang, reply.request.headers['accept-language']);
  // The language may come from Accept-Language: caches must not hand one user's page to another.
  reply.header('cache-control', 'no-store').header('vary', 'Accept-Language').header('content-language', lang).type('text/html; charset=utf-8');
  const { branding } = fastify.config;
  const m = fastify.i18n.messages(lang);
  // The default title is ours to translate; a title the operator chose is shown as written.
  const title = branding.title === DEFAULT_TITLE ? String((m.login as Record<string, string>).title) : branding.title;
  return {
    branding: { ...branding, title },
    nonce: reply.pageNonce,
    lang,
    // ltr is the default: only right-to-left languages need the attribute.
    rtl: fastify.i18n.dir(lang) === 'rtl',
    m,
    theme: query.theme,
    themeCss: themeCss(branding.primaryColor),
    query: queryString(query),
  };
}

/** Why the form is shown again; keys of `errors.*` in the catalogues. */
export type LoginError = 'generic' | 'formExpired' | 'siteFirst';
/** A locked account gets this one too: from outside, every failed login looks the same. */
export const GENERIC_LOGIN_ERROR: LoginError = 'generic';

export function renderLogin(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; csrf: string; username?: string; error?: LoginError }): Promise<string> {
  const base = common(fastify, reply, options.query);
  const error = options.error ? fastify.i18n.t(base.lang, `errors.${options.error}`) : undefined;
  // Social sign-in buttons (docs/social.md) when SOCIAL_PROVIDERS enables any.
  return reply.viewAsync('login.hbs', { ...base, csrf: options.csrf, username: options.username, error, social: socialView(fastify, base.lang) });
}

/** The one-message pages; keys of `pages.*` in the catalogues (heading, text, link). */
export type MessagePage = 'unavailable' | 'refused' | 'accountExists' | 'signInFirst' | 'tooManyAttempts';

/** `text`: the key of the page's text when the page has more than one (accountExists), else `text`. */
export function renderMessage(
  fastify: FastifyInstance,
  reply: FastifyReply,
  options: { query: PageQuery; page: MessagePage; href?: string; count?: number; text?: string },
): Promise<string> {
  const base = common(fastify, reply, options.query);
  const t = (key: string) => fastify.i18n.t(base.lang, `pages.${options.page}.${key}`, options.count === undefined ? undefined : { count: options.count });
  const link = options.href ? { href: options.href, label: t('link') } : undefined;
  return reply.viewAsync('message.hbs', { ...base, heading: t('heading'), text: t(options.text ?? 'text'), link });
}

/**
 * Chat already has an account under the user's username or email that the bridge will not hand
 * over: only an administrator can link the two, and the page says so rather than a bare "refused".
 * A Map, not an object: the reason comes from the App's answer and may be any lowercase word.
 */
const ACCOUNT_EXISTS_TEXT = new Map([
  ['username_taken', 'usernameTaken'],
  ['email_taken', 'emailTaken'],
]);

/** The page for a credential the issuer denied, by its reason. */
export function renderRefused(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; reason: string }): Promise<string> {
  const text = ACCOUNT_EXISTS_TEXT.get(options.reason);
  if (text) return renderMessage(fastify, reply, { query: options.query, page: 'accountExists', text });
  return renderMessage(fastify, reply, { query: options.query, page: 'refused' });
}

/**
 * After a Rocket.Chat logout, while the site still names the user: "You signed out of
 * chat — Continue as <name>", a form that POSTs to /login-continue. Keys of `pages.signedOutOfChat.*`.
 */
export function renderContinue(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; csrf: string; name: string; error?: LoginError }): Promise<string> {
  const base = common(fastify, reply, options.query);
  const t = (key: string, values?: Record<string, string>) => fastify.i18n.t(base.lang, `pages.signedOutOfChat.${key}`, values);
  return reply.viewAsync('continue.hbs', {
    ...base,
    heading: t('heading'),
    text: t('text'),
    continueLabel: t('continue', { name: options.name }),
    csrf: options.csrf,
    error: options.error ? fastify.i18n.t(base.lang, `errors.${options.error}`) : undefined,
  });
}

/**
 * The page that hands the credential to Rocket.Chat. Which window it posts to is decided in
 * the browser (framed by Rocket.Chat, the mobile app's top-level WebView, or a plain tab).
 */
export function renderDone(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; credential: RocketChatCredential; csrf: string }): Promise<string> {
  const { rocketChatOrigin, rocketChatUrl } = fastify.config;
  // The credential's shape, not the configured mode, says what Rocket.Chat must do with it.
  const loginToken = 'loginToken' in options.credential ? options.credential.loginToken : undefined;
  return reply.viewAsync('done.hbs', {
    ...common(fastify, reply, options.query),
    mode: loginToken === undefined ? 'mongo' : 'app',
    // The mobile app cannot use services.iframe.token (docs/clients.md): say so at top level.
    mobileNotice: loginToken === undefined,
    loginToken,
    rocketChatOrigin,
    rocketChatUrl,
    csrf: options.csrf,
  });
}
