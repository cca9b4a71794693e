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

    fastify.decorateReply('pageNonce', '');
    fastify.addHook('onRequest', async (_request, reply) => {
      reply.pageNonce = randomBytes(16).toString('base64url');
    });
    fastify.addHook('onSend', async (_request, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      const policy = type.startsWith('text/html')
        ? [
            "default-src 'none'",
            `script-src 'nonce-${reply.pageNonce}'`,
            `style-src 'nonce-${reply.pageNonce}'`,
            `img-src ${images}`,
            "form-action 'self'",
            "base-uri 'none'",
            `frame-ancestors ${rocketChatOrigin}`,
          ]
        : ["default-src 'none'", `frame-ancestors ${rocketChatOrigin}`];
      reply.header('content-security-policy', policy.join('; '));
      return payload;
    });
  },
  { name: 'security-headers', dependencies: ['config'] },
);
