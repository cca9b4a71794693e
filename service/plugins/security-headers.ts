import { randomBytes } from 'node:crypto';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyReply {
    /** Allows the page's own inline script and style, and nothing injected. */
    pageNonce: string;
  }
  interface FastifyInstance {
    /** The security headers of every answer that is not a page (for answers given outside Fastify: service/http/fast-lane.ts). */
    apiHeaders: Readonly<Record<string, string>>;
  }
}

/**
 * Helmet's defaults, minus the two that would fight the iframe: X-Frame-Options (framing is
 * governed by CSP `frame-ancestors`, exactly the Rocket.Chat origin) and `no-referrer`
 * (Chromium then sends `Origin: null` on our own form POST). The CSP is ours.
 */
const PAGE_HELMET: Readonly<FastifyHelmetOptions> = {
  contentSecurityPolicy: false,
  frameguard: false,
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  crossOriginEmbedderPolicy: false,
};

let pageHelmet: Promise<Readonly<Record<string, string>>> | undefined;

/**
 * The headers @fastify/helmet sends for these options, asked of it once through its public
 * interface: registered on a throwaway Fastify instance, the difference between a route it
 * covers and one it skips (`helmet: false`). With these options every helmet header is a
 * constant, so pages get them as one precomputed set. Registered on the companion itself,
 * @fastify/helmet would add two onRequest hooks (one async) to every request, the API URL's
 * fast path included, rebuild helmet's middleware and set each header on every answer, and
 * give JSON answers the document headers too.
 */
export function helmetHeaders(options: Readonly<FastifyHelmetOptions> = PAGE_HELMET): Promise<Readonly<Record<string, string>>> {
  if (options !== PAGE_HELMET) return askHelmet(options);
  return (pageHelmet ??= askHelmet(options));
}

async function askHelmet(options: Readonly<FastifyHelmetOptions>): Promise<Readonly<Record<string, string>>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(fastifyHelmet, { ...options, global: true });
    probe.get('/covered', (_request, reply) => reply.code(204).send());
    probe.get('/skipped', { helmet: false }, (_request, reply) => reply.code(204).send());
    const [covered, skipped] = await Promise.all([probe.inject({ url: '/covered' }), probe.inject({ url: '/skipped' })]);
    const headers = Object.entries(covered.headers).filter(([name]) => !(name in skipped.headers));
    return Object.freeze(Object.fromEntries(headers.map(([name, value]) => [name, String(value)])));
  } finally {
    await probe.close();
  }
}

/**
 * Every answer gets one precomputed header set, chosen by what it is:
 * - pages (`text/html`): helmet's set and a CSP with a fresh nonce;
 * - everything else (the API URL, back-channel logout, health, metrics, errors): what a JSON
 *   API needs (OWASP REST Security): no caching, no sniffing, nothing to load or frame it,
 *   HSTS, and CORP so no other site can pull a token-bearing answer into its process as a
 *   no-cors subresource (CORS reads, like Rocket.Chat's, are not subject to CORP). Headers
 *   that only mean something to a document (COOP, Origin-Agent-Cluster, Referrer-Policy,
 *   X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies,
 *   X-XSS-Protection) are not sent there.
 */
export default fp(
  async (fastify) => {
    const { rocketChatOrigin, branding } = fastify.config;
    const images = ["'self'", 'data:', ...(branding.logoUrl ? [new URL(branding.logoUrl).origin] : [])].join(' ');
    const pageHeaders = await helmetHeaders();
    const apiHeaders: Readonly<Record<string, string>> = Object.freeze({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; frame-ancestors ${rocketChatOrigin}`,
      'strict-transport-security': pageHeaders['strict-transport-security'],
      'cross-origin-resource-policy': pageHeaders['cross-origin-resource-policy'],
    });
    fastify.decorate('apiHeaders', apiHeaders);

    // Made when a page first asks for it: JSON answers (the API URL's hot path) need none.
    const nonces = new WeakMap<object, string>();
    fastify.decorateReply('pageNonce', {
      getter(this: object) {
        let nonce = nonces.get(this);
        if (!nonce) nonces.set(this, (nonce = randomBytes(16).toString('base64url')));
        return nonce;
      },
    });
    const pagePolicy = (nonce: string) =>
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        `img-src ${images}`,
        "form-action 'self'",
        // The social buttons' script posts the provider's reply to /login/social.
        ...(fastify.config.social ? ["connect-src 'self'"] : []),
        "base-uri 'none'",
        `frame-ancestors ${rocketChatOrigin}`,
      ].join('; ');

    fastify.addHook('onSend', (_request, reply, payload, done) => {
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('text/html')) {
        reply.headers(pageHeaders);
        reply.header('content-security-policy', pagePolicy(reply.pageNonce));
      } else {
        reply.headers(apiHeaders);
      }
      done(null, payload);
    });
  },
  { name: 'security-headers', dependencies: ['config'] },
);
