/**
 * Ends the site session everywhere at once (the revocation list every replica reads) and
 * the user's Rocket.Chat logins through the token issuer — so a Rocket.Chat logout does not
 * immediately log the user back in (https://github.com/RocketChat/Rocket.Chat/issues/28006).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { queryString } from '../flow/pages';
import { CSRF_HEADER } from '../plugins/csrf';
import { LogoutSchema } from '../schemas/pages';

const logout: FastifyPluginAsyncTypebox = async (fastify) => {
  const options = {
    schema: LogoutSchema,
    // Per IP like the other form POSTs (LOGIN_RATE_LIMIT_PER_MINUTE, its own count): each logout
    // writes to the revocation list, so a flood of them must not fill it or the event loop.
    config: { rateLimit: { max: fastify.config.limits.loginPerMinute, timeWindow: '1 minute' } },
    // A fetch-style logout sends no body (its token comes in a header): validate it as an empty form.
    preValidation: async (request: { body: unknown }) => {
      if (request.body === undefined || request.body === null) request.body = {};
    },
  };
  fastify.post('/logout', options, async (request, reply) => {
    const header = request.headers[CSRF_HEADER];
    const submitted = request.body._csrf ?? (typeof header === 'string' ? header : undefined);
    if (!fastify.csrf.verify(request, submitted)) {
      request.log.warn({ origin: request.headers.origin }, 'logout refused: CSRF check failed');
      return reply.code(403).send({ error: 'forbidden' as const });
    }
    const session = await fastify.sessions.read(request);
    if (session) {
      // Fails (503, logged) rather than report a logout the list could not hold.
      await fastify.deps.revocations.revoke(session.sid, session.exp, { sub: session.user.sub, iat: session.iat });
      try {
        await fastify.deps.issuer.revoke(session.user, session);
      } catch (error) {
        // The site session is over regardless; Rocket.Chat tokens then expire on their own.
        request.log.warn({ err: error, sub: session.user.sub }, 'could not revoke Rocket.Chat logins');
      }
      request.log.info({ sub: session.user.sub }, 'signed out');
    }
    fastify.sessions.clear(reply);
    reply.header('cache-control', 'no-store');
    if (request.headers.accept?.includes('application/json')) return reply.code(200).send({ loggedOut: true as const });
    // Relative, so a companion served under a path prefix stays under it.
    return reply.redirect(`login${queryString(request.query)}`, 303);
  });
};

export default logout;
