import { randomBytes } from 'node:crypto';
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyReply {
    /** Allows the page's own inline script and style, and nothing injected. */
    pageNonce: string;
  }
}

/**
 * Helmet's defaults, minus the two that would fight the iframe: X-Frame-Options (framing is
 * governed by CSP `frame-ancestors`, exactly the Rocket.Chat origin) and `no-referrer`
 * (Chromium then sends `Origin: null` on our own form POST, ROCKETCHAT.md §1d).
 */
export default fp(
  async (fastify) => {
    const { rocketChatOrigin, branding } = fastify.config;
    await fastify.register(helmet, {
      contentSecurityPolicy: false,
      frameguard: false,
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      crossOriginEmbedderPolicy: false,
    });
    const images = ["'self'", 'data:', ...(branding.logoUrl ? [new URL(branding.logoUrl).origin] : [])].join(' ');

    // Made when a page first asks for it: JSON answers (the API URL's hot path) need none.
    const nonces = new WeakMap<object, string>();
    fastify.decorateReply('pageNonce', {
      getter(this: object) {
        let nonce = nonces.get(this);
        if (!nonce) nonces.set(this, (nonce = randomBytes(16).toString('base64url')));
        return nonce;
      },
    });
    const otherPolicy = `default-src 'none'; frame-ancestors ${rocketChatOrigin}`;
    const pagePolicy = (nonce: string) =>
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        `img-src ${images}`,
        "form-action 'self'",
        // The social buttons' script posts the provider's reply to /login/social (issue 7).
        ...(fastify.config.social ? ["connect-src 'self'"] : []),
        "base-uri 'none'",
        `frame-ancestors ${rocketChatOrigin}`,
      ].join('; ');
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      const type = String(reply.getHeader('content-type') ?? '');
      reply.header('content-security-policy', type.startsWith('text/html') ? pagePolicy(reply.pageNonce) : otherPolicy);
      done(null, payload);
    });
  },
  { name: 'security-headers', dependencies: ['config'] },
);
