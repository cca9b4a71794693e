import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deriveKey } from '../sessions/cookie-codec';

export const CSRF_COOKIE = '__Host-rcib_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Csrf {
  /** The token to put in a form; sets the browser's half (a cookie) when it has none. */
  token(request: FastifyRequest, reply: FastifyReply): string;
  /** Both halves present and matching, and the request comes from our own origin. */
  verify(request: FastifyRequest, submitted: string | undefined): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    csrf: Csrf;
  }
}

/**
 * A signed double-submit token: a random cookie, and in the form an HMAC of it under a key
 * only the server has, so a sibling subdomain that can write cookies still cannot forge the
 * pair. Plus an `Origin` check (Fetch Metadata's answer to the same question).
 */
export default fp(
  async (fastify) => {
    const key = deriveKey(fastify.config.session.secret, 'csrf v1');
    const { publicOrigin } = fastify.config;
    const sign = (secret: string) => createHmac('sha256', key).update(secret).digest('base64url');

    function originAllowed(request: FastifyRequest): boolean {
      const origin = request.headers.origin;
      if (origin !== undefined) return origin === publicOrigin;
      // Older browsers omit Origin on same-origin POSTs; the Referer then says where it came from.
      const referer = request.headers.referer;
      if (referer === undefined) return true;
      try {
        return new URL(referer).origin === publicOrigin;
      } catch {
        return false;
      }
    }

    const csrf: Csrf = {
      token(request, reply) {
        let secret = request.cookies[CSRF_COOKIE];
        if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
          secret = randomBytes(32).toString('base64url');
          reply.setCookie(CSRF_COOKIE, secret, { ...fastify.sessions.cookieOptions });
        }
        return sign(secret);
      },
      verify(request, submitted) {
        if (!originAllowed(request)) return false;
        const secret = request.cookies[CSRF_COOKIE];
        if (!secret || !submitted) return false;
        const expected = new TextEncoder().encode(sign(secret));
        const actual = new TextEncoder().encode(submitted);
        return actual.length === expected.length && timingSafeEqual(actual, expected);
      },
    };
    fastify.decorate('csrf', csrf);
  },
  { name: 'csrf', dependencies: ['config', 'session'] },
);
