/**
 * POST /login/social: the login page forwards a provider's success reply (relayed by
 * Rocket.Chat's parent window, so nothing in it is trusted); it is verified with the provider,
 * mapped to a local user, and then the login finishes exactly like a password login: a site
 * session, and the page at `next` (GET /login) hands a credential to Rocket.Chat.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { queryString } from '../flow/pages';
import { CSRF_HEADER } from '../plugins/csrf';
import { SocialLoginSchema } from '../schemas/social';
import { SocialRefused } from '../social/types';

const socialLogin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { limits, publicUrl } = fastify.config;
  const social = fastify.deps.social;
  // Relative to the companion's base path, as the form's own `action="login"` is.
  const base = publicUrl.href.endsWith('/') ? publicUrl.href : `${publicUrl.href}/`;

  fastify.post(
    '/login/social',
    { schema: SocialLoginSchema, config: { rateLimit: { max: limits.loginPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const { provider, response, _csrf } = request.body;
      if (!social || !social.providers.includes(provider)) return reply.code(404).send({ error: 'not_enabled' as const });
      const header = request.headers[CSRF_HEADER];
      if (!fastify.csrf.verify(request, typeof header === 'string' ? header : _csrf)) {
        fastify.metrics.login('csrf');
        request.log.warn({ origin: request.headers.origin }, 'social sign-in refused: CSRF check failed');
        return reply.code(403).send({ error: 'formExpired' as const });
      }
      try {
        const { user, identity } = await social.signIn(provider, response);
        fastify.metrics.login('success');
        request.log.info({ provider, providerUser: identity.id, sub: user.sub }, 'signed in through a social provider');
        await fastify.sessions.write(reply, fastify.sessions.start(user));
        return reply.code(200).send({ next: new URL(`login${queryString(request.query)}`, base).toString() });
      } catch (error) {
        if (!(error instanceof SocialRefused)) throw error;
        // The short code only: the reply's tokens never reach the log.
        request.log.warn({ provider, reason: error.code }, 'social sign-in refused');
        if (error.kind === 'unavailable') {
          fastify.metrics.login('unavailable');
          return reply.code(503).send({ error: 'unavailable' as const });
        }
        fastify.metrics.login('bad_credentials');
        return reply.code(401).send({ error: 'refused' as const });
      }
    },
  );
};

export default socialLogin;
