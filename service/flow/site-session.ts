/**
 * Who is the browser's user? The companion's own session first; for sources that read the
 * site's session (forward, jwt-cookie) the site is asked each time too, so a site logout
 * ends chat logins even while our cookie lives.
 *
 * A Rocket.Chat logout (the App's back-channel logout) leaves a mark on the user in the
 * revocation list. While it stands, a new session is started from the site's session only if
 * the site issued that session after the logout by more than the clock skew (a jwt-cookie
 * `iat`); otherwise — and always for `forward`, which gives no issue time — the user is
 * `signedOutOfChat`: the API URL answers 401 and the Iframe URL asks whether to continue
 * (routes/login.ts), which starts a session dated after the mark. Sessions made after the mark are accepted as usual.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestCredentials, SiteSession, SiteUser } from '../identity/types';
import type { Session } from '../sessions/cookie-codec';
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../../app/contract/claims';

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
  /**
   * No session: the site names this user, but their site session predates their latest
   * Rocket.Chat logout. Only the user's own choice (POST /login-continue) starts one.
   */
  signedOutOfChat?: SiteUser;
  /** With `signedOutOfChat`: the bound of that Rocket.Chat logout (seconds since the epoch). */
  rocketChatLogoutAt?: number;
}

async function siteSession(fastify: FastifyInstance, request: FastifyRequest): Promise<SiteSession | undefined> {
  const { identity } = fastify.deps;
  const credentials = requestCredentials(request);
  if (identity.sessionFromRequest) return identity.sessionFromRequest(credentials);
  const user = await identity.fromRequest?.(credentials);
  return user ? { user } : undefined;
}

export interface ResolveOptions {
  /**
   * Confirm a held `local` session with the store itself, not the short cache: the login pages,
   * which may mint or hand out a credential. The API URL's fast path leaves it off.
   */
  fresh?: boolean;
}

/**
 * Sources with no site session to read (`local`, `rocketchat`): the held session, while its user
 * still stands (`identity.confirm`; only `local` can tell). A user removed, disabled or given a new
 * password since (`users` CLI) ends it on every replica within the cache time; it then counts as
 * no session and the cookie goes.
 */
async function ownSession(fastify: FastifyInstance, held: Session | undefined, fresh: boolean): Promise<Resolved> {
  const { identity } = fastify.deps;
  if (!held || !identity.confirm) return { session: held, changed: false };
  const user = await identity.confirm(held, { fresh });
  return user ? { session: { ...held, user }, changed: false } : { session: undefined, changed: true };
}

/**
 * `resolveSession` without waiting, for sources with no site session to read, when everything
 * it checks is already in memory (the decoded cookie, the revocation list, the user's standing):
 * what `resolveSession` would answer, or `undefined` when only it can tell. The API URL's fast
 * path: every page load of a signed-in user, with no promise to wait on. Given the session
 * cookie's value. Throws where `resolveSession` would (a stale mirror of the shared revocation list).
 */
export function resolveKnown(fastify: FastifyInstance, cookie: string | undefined): Resolved | undefined {
  const { identity } = fastify.deps;
  if (identity.fromRequest || identity.sessionFromRequest) return undefined;
  const read = fastify.sessions.readKnown(cookie);
  if (!read) return undefined;
  const held = read.session;
  if (!held || !identity.confirm) return { session: held, changed: false };
  const user = identity.confirmKnown?.(held);
  if (user === undefined) return undefined;
  return user ? { session: { ...held, user }, changed: false } : { session: undefined, changed: true };
}

/** Throws when the site's session source, the user store or the revocation list cannot be asked (routes call tryResolveSession). */
export async function resolveSession(fastify: FastifyInstance, request: FastifyRequest, options: ResolveOptions = {}): Promise<Resolved> {
  const held = await fastify.sessions.read(request);
  const { identity, revocations } = fastify.deps;
  if (!identity.fromRequest && !identity.sessionFromRequest) return ownSession(fastify, held, options.fresh ?? false);
  const site = await siteSession(fastify, request);
  if (!site) return { session: undefined, changed: held !== undefined };
  const { user } = site;
  // The fast path: a held session read above is already checked against every logout.
  if (held && held.user.sub === user.sub) return { session: { ...held, user }, changed: false };
  // A new session is about to start from the site's session: not from one older than a Rocket.Chat logout.
  const loggedOutAt = await revocations.rocketChatLogoutAt(user.sub);
  // The site's clock dates its session, ours the mark: within the skew the site's JWT verifier
  // tolerates, "newer" cannot be told, and a session that may predate the logout does not count.
  if (loggedOutAt !== undefined && (site.issuedAt === undefined || site.issuedAt < loggedOutAt + DEFAULT_CLOCK_SKEW_SECONDS)) {
    return { session: undefined, changed: held !== undefined, signedOutOfChat: user, rocketChatLogoutAt: loggedOutAt };
  }
  return { session: fastify.sessions.start(user), changed: true };
}

/**
 * `resolveSession` for a route: undefined when it throws, after logging why (the route then
 * answers 503, as a page or an empty body).
 */
export async function tryResolveSession(fastify: FastifyInstance, request: FastifyRequest, options: ResolveOptions = {}): Promise<Resolved | undefined> {
  try {
    return await resolveSession(fastify, request, options);
  } catch (error) {
    request.log.error({ err: error }, 'identity source failed');
    return undefined;
  }
}

/**
 * The user chose to continue after a Rocket.Chat logout: a new session for them, dated no earlier
 * than the mark so the revocation list accepts it (the mark's bound may be up to a second ahead,
 * since session times are whole seconds).
 */
export function continueAfterRocketChatLogout(fastify: FastifyInstance, user: SiteUser, rocketChatLogoutAt: number): Session {
  const started = fastify.sessions.start(user);
  const shift = Math.max(0, rocketChatLogoutAt - started.iat);
  return { ...started, iat: started.iat + shift, exp: started.exp + shift };
}
