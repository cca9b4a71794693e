/** The end of every sign-in on the Iframe URL: a Rocket.Chat login for the session, handed over by the done page. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../sessions/cookie-codec';
import { obtainCredential } from './credential';
import { GENERIC_LOGIN_ERROR, renderDone, renderLogin, renderMessage, renderRefused, type PageQuery } from './pages';

export async function unavailablePage(fastify: FastifyInstance, reply: FastifyReply, query: PageQuery) {
  return reply.code(503).send(await renderMessage(fastify, reply, { query, page: 'unavailable' }));
}

/** Hands over the login the session already holds (Rocket.Chat still takes it). */
export async function deliverHeld(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, query: PageQuery, session: Session & { credential: NonNullable<Session['credential']> }) {
  return reply.code(200).send(await renderDone(fastify, reply, { query, credential: session.credential, csrf: fastify.csrf.token(request, reply) }));
}

/** Signed in at the site: get a new login and hand it to Rocket.Chat. */
export async function deliver(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, query: PageQuery, session: Session) {
  const obtained = await obtainCredential(fastify, request.log, session, false);
  if (!obtained.ok) {
    if (obtained.kind === 'ended') {
      // The user was removed, disabled or got a new password since the check: signed out, like anybody.
      fastify.sessions.clear(reply);
      fastify.metrics.login('denied');
      return reply.code(401).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), error: GENERIC_LOGIN_ERROR }));
    }
    // The site login stands even when chat says no; the API URL retries with it later.
    await fastify.sessions.write(reply, session);
    fastify.metrics.login(obtained.kind);
    if (obtained.kind === 'unavailable') return unavailablePage(fastify, reply, query);
    return reply.code(403).send(await renderRefused(fastify, reply, { query, reason: obtained.reason }));
  }
  await fastify.sessions.write(reply, obtained.session);
  return reply.code(200).send(await renderDone(fastify, reply, { query, credential: obtained.credential, csrf: fastify.csrf.token(request, reply) }));
}
