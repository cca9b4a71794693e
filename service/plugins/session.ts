import cookie from '@fastify/cookie';
import type { CookieSerializeOptions } from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SiteUser } from '../identity/types';
import { createSessionCodec, newSessionId, type Session } from '../sessions/cookie-codec';

/** `__Host-`: the browser refuses it unless Secure, Path=/ and host-only — no subdomain can plant one. */
export const SESSION_COOKIE = '__Host-rcib_session';

export interface Sessions {
  /** The live session of this request, if any (decrypted, unexpired, not revoked). */
  read(request: FastifyRequest): Promise<Session | undefined>;
  /**
   * `read` without waiting, where everything it checks is in memory (the cookie decoded before,
   * a revocation list held in memory): `{ session }` as `read` would answer, or `undefined` when
   * only `read` can tell. Throws where `read` would reject (a stale mirror of the shared list).
   * Given the session cookie's value (`cookieIn` finds it in a request without Fastify).
   */
  readKnown(cookie: string | undefined): { session?: Session } | undefined;
  /** The session cookie's value in a Cookie header, parsed as Fastify's cookie plugin parses it for `read`. */
  cookieIn(header: string | undefined): string | undefined;
  start(user: SiteUser): Session;
  write(reply: FastifyReply, session: Session): Promise<void>;
  clear(reply: FastifyReply): void;
  /** Attributes shared by every cookie the companion sets (sessions and CSRF). */
  cookieOptions: CookieSerializeOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: Sessions;
  }
}

/**
 * Stateless, encrypted session cookies. `SameSite=None` when Rocket.Chat is on another site,
 * or the framed login page would never see its own cookie (docs/rocketchat.md).
 */
export default fp(
  async (fastify) => {
    const { session: settings } = fastify.config;
    await fastify.register(cookie);
    const codec = createSessionCodec(settings.secret);
    const now = () => Math.floor(Date.now() / 1000);
    const cookieOptions: CookieSerializeOptions = {
      httpOnly: true,
      secure: true,
      path: '/',
      sameSite: settings.sameSite,
      ...(settings.partitioned ? { partitioned: true } : {}),
    };

    const NOBODY = Object.freeze({ session: undefined });
    /** The session cookie's value, unless absent or too long to be one of ours. */
    const ours = (value: string | undefined): string | undefined => (value && value.length <= 8192 ? value : undefined);
    const sessions: Sessions = {
      cookieOptions,
      cookieIn(header) {
        return header ? fastify.parseCookie(header)[SESSION_COOKIE] : undefined;
      },
      readKnown(cookie) {
        const value = ours(cookie);
        if (!value) return NOBODY;
        // The same checks as `read`, where both can be answered from memory; `known` has checked the expiry.
        const { revocations } = fastify.deps;
        if (!revocations.isRevokedNow) return undefined;
        const session = codec.known(value);
        if (!session) return undefined;
        return revocations.isRevokedNow(session.sid, { sub: session.user.sub, iat: session.iat }) ? NOBODY : { session };
      },
      async read(request) {
        const value = ours(request.cookies[SESSION_COOKIE]);
        if (!value) return undefined;
        const session = await codec.decode(value);
        if (!session || session.exp <= now()) return undefined;
        // By id (a logout from this browser) or by user (a back-channel logout, which knows no cookies).
        if (await fastify.deps.revocations.isRevoked(session.sid, { sub: session.user.sub, iat: session.iat })) return undefined;
        return session;
      },
      start(user) {
        const iat = now();
        return { sid: newSessionId(), user, iat, exp: iat + settings.ttlSeconds };
      },
      async write(reply, session) {
        const maxAge = session.exp - now();
        reply.setCookie(SESSION_COOKIE, await codec.encode(session), { ...cookieOptions, maxAge });
      },
      clear(reply) {
        reply.clearCookie(SESSION_COOKIE, cookieOptions);
      },
    };
    fastify.decorate('sessions', sessions);
  },
  { name: 'session', dependencies: ['config', 'dependencies'] },
);
