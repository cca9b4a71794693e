/** Getting a Rocket.Chat credential for a session, and what each failure means to the caller. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Session } from '../sessions/cookie-codec';
import { TokenError, type RocketChatCredential } from '../tokens/types';

export type Obtained = { ok: true; credential: RocketChatCredential; session: Session } | { ok: false; kind: 'denied' | 'unavailable' };

/**
 * `reuse`: answer with the credential the session already holds (the API URL's fast path:
 * Rocket.Chat keeps only 50 tokens a user). The login page never reuses — the held token may
 * be the very one Rocket.Chat just rejected.
 */
export async function obtainCredential(fastify: FastifyInstance, log: FastifyBaseLogger, session: Session, reuse: boolean): Promise<Obtained> {
  if (reuse && session.credential) {
    fastify.metrics.credential('held', 'ok');
    return { ok: true, credential: session.credential, session };
  }
  try {
    const credential = await fastify.deps.issuer.issue(session.user);
    fastify.metrics.credential('issued', 'ok');
    return { ok: true, credential, session: { ...session, credential } };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    fastify.metrics.credential('issued', error.kind);
    // The reason is a short machine code from the App or the issuer: safe to log, useful to operators.
    log.warn({ kind: error.kind, reason: error.reason, sub: session.user.sub }, 'no Rocket.Chat credential');
    return { ok: false, kind: error.kind };
  }
}
