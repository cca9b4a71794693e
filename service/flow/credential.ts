/** Getting a Rocket.Chat credential for a session, and what each failure means to the caller. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { SiteUser } from '../identity/types';
import type { Session } from '../sessions/cookie-codec';
import { TokenError, type RocketChatCredential } from '../modes/issuer';
import { heldLogin } from './held-login';

/**
 * `reason`: the issuer's short machine code (TokenError), for a page that can say more than "refused".
 * `ended`: the session's user no longer stands at the site (removed, disabled, new password): drop the session.
 */
export type Obtained =
  | { ok: true; credential: RocketChatCredential; session: Session }
  | { ok: false; kind: 'denied' | 'unavailable'; reason: string }
  | { ok: false; kind: 'ended' };

/**
 * `reuse`: answer with the credential the session already holds (the API URL's fast path:
 * Rocket.Chat keeps only 50 tokens a user), unless the held login has ended (flow/held-login.ts).
 * The login page does not reuse blindly — the held token may be the very one Rocket.Chat just
 * rejected — but asks first and calls this only to get a new one. A mode that cannot make a login
 * without the user's password (password mode) answers `ended` where a new one would be needed.
 * `client`: the browser's address, charged for what asking Rocket.Chat costs.
 * `beforeMint`: called once a new login is needed, before anything is asked for it; it rejects to
 * refuse (the API URL's limits: only minting costs Rocket.Chat a token, so only minting is counted).
 */
export interface ObtainOptions {
  client?: string;
  beforeMint?: (session: Session, client: string) => Promise<void>;
}

/**
 * `obtainCredential`'s fast path on its own, without waiting: the credential the session holds,
 * for a mode that does not ask about held logins on the API URL (app, mongo); else `undefined`.
 */
export function heldCredential(fastify: FastifyInstance, session: Session): RocketChatCredential | undefined {
  if (!session.credential || fastify.mode.asksOnApiUrl) return undefined;
  fastify.metrics.credential('held', 'ok');
  return session.credential;
}

export async function obtainCredential(fastify: FastifyInstance, log: FastifyBaseLogger, session: Session, reuse: boolean, options: ObtainOptions = {}): Promise<Obtained> {
  if (reuse && session.credential) {
    // The fast path: a mode that does not ask on the API URL hands the held login out from the session alone.
    const quick = heldCredential(fastify, session);
    if (quick) return { ok: true, credential: quick, session };
    const held = await heldLogin(fastify, session, { purpose: 'api', client: options.client });
    if (held.state !== 'ended') {
      fastify.metrics.credential('held', 'ok');
      const current = held.rocketChat && held.rocketChat !== session.rocketChat ? { ...session, rocketChat: held.rocketChat } : session;
      return { ok: true, credential: session.credential, session: current };
    }
    fastify.metrics.credential('held', 'denied');
    log.info({ sub: session.user.sub }, 'Rocket.Chat no longer accepts the held token');
  }
  if (!fastify.mode.mints) return { ok: false, kind: 'ended' };
  await options.beforeMint?.(session, options.client ?? '');
  const standing = await standsNow(fastify, log, session);
  if (standing.kind !== 'stands') return standing.kind === 'ended' ? { ok: false, kind: 'ended' } : { ok: false, kind: 'unavailable', reason: 'identity_source_failed' };
  const { user } = standing;
  try {
    const { userId, ...credential } = await fastify.deps.issuer.issue(user);
    fastify.metrics.credential('issued', 'ok');
    // Whose token it is, when the issuer says: the Iframe URL then asks Rocket.Chat whether it still stands.
    const held = userId ? { rocketChat: { userId, checkedAt: Math.floor(Date.now() / 1000) } } : {};
    return { ok: true, credential, session: { ...session, user, credential, ...held } };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    fastify.metrics.credential('issued', error.kind);
    if (error.kind === 'denied') fastify.metrics.refusal(error.reason);
    // The reason is a short machine code from the App or the issuer: safe to log, useful to operators.
    log.warn({ kind: error.kind, reason: error.reason, sub: session.user.sub }, 'no Rocket.Chat credential');
    return { ok: false, kind: error.kind, reason: error.reason };
  }
}

type Standing = { kind: 'stands'; user: SiteUser } | { kind: 'ended' | 'unavailable' };

/**
 * Every mint asks the identity source afresh (no cache) whether the session's user still stands
 * (`local`: removed, disabled or a new password since ends it), so no new Rocket.Chat credential
 * is ever made for a user the site no longer has. Sources that read the site's session each
 * time have nothing to confirm.
 */
async function standsNow(fastify: FastifyInstance, log: FastifyBaseLogger, session: Session): Promise<Standing> {
  const { identity } = fastify.deps;
  if (!identity.confirm) return { kind: 'stands', user: session.user };
  let user: SiteUser | undefined;
  try {
    user = await identity.confirm(session, { fresh: true });
  } catch (error) {
    fastify.metrics.credential('issued', 'unavailable');
    log.error({ err: error, sub: session.user.sub }, 'could not confirm the user before issuing a credential');
    return { kind: 'unavailable' };
  }
  if (user) return { kind: 'stands', user };
  fastify.metrics.credential('issued', 'denied');
  log.info({ sub: session.user.sub }, 'no Rocket.Chat credential: the user no longer stands (removed, disabled or new password)');
  return { kind: 'ended' };
}
