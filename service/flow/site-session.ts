/**
 * Who is the browser's user? The companion's own session first; for sources that read the
 * site's session (forward, jwt-cookie) the site is asked each time too, so a site logout
 * ends chat logins even while our cookie lives.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestCredentials } from '../identity/types';
import type { Session } from '../sessions/cookie-codec';

/** Our own cookies are ours: the site's auth endpoint never sees them. */
function siteCookies(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith('__Host-rcib_'));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

export function requestCredentials(request: FastifyRequest): RequestCredentials {
  return { cookie: siteCookies(request.headers.cookie), authorization: request.headers.authorization };
}

export interface Resolved {
  session?: Session;
  /** The session was created (or replaced) here and must be written back. */
  changed: boolean;
}

/** Throws when the site's session source cannot be asked (the caller answers 503). */
export async function resolveSession(fastify: FastifyInstance, request: FastifyRequest): Promise<Resolved> {
  const held = await fastify.sessions.read(request);
  const { identity } = fastify.deps;
  if (!identity.fromRequest) return { session: held, changed: false };
  const user = await identity.fromRequest(requestCredentials(request));
  if (!user) return { session: undefined, changed: held !== undefined };
  if (held && held.user.sub === user.sub) return { session: { ...held, user }, changed: false };
  return { session: fastify.sessions.start(user), changed: true };
}
