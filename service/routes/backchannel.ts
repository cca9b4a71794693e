/**
 * `POST /backchannel/logout`: a server — the App after a Rocket.Chat logout, or the
 * site's own backend — ends every session of one user on every replica. Sessions are stateless
 * cookies, so the user is ended in the shared revocation list by subject and time.
 *
 * Who sent it (`iss`) decides what else happens: a logout from the site's backend also ends the
 * user's Rocket.Chat logins through the token issuer; one from the App does not — Rocket.Chat
 * logged the user out already, and calling the App back would bounce the logout between the two.
 * A logout from the App also stops the site's still-live session (IDENTITY_SOURCE=forward or
 * jwt-cookie) from logging the user straight back in: see flow/site-session.ts.
 *
 * No CORS (a browser has no business here) and no cookies read: only the signed token counts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { BACKCHANNEL_LOGOUT_PATH } from '../../app/contract/backchannel';
import { verifyLogoutToken } from '../backchannel/logout-token';
import { BackchannelLogoutSchema } from '../schemas/backchannel';

const backchannel: FastifyPluginAsyncTypebox = async (fastify) => {
  const { backchannel: settings, session, limits } = fastify.config;
  // Off unless configured: the route then does not exist (404).
  if (!settings) return;
  const now = () => Math.floor(Date.now() / 1000);
  const issuers = settings.siteIssuer ? [settings.appIssuer, settings.siteIssuer] : [settings.appIssuer];

  // Scoped to this plugin: every malformed request answers the contract's one 400 shape.
  fastify.setErrorHandler<FastifyError>((error, request, reply) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status === 429) return reply.code(429).send({ error: 'too_many_requests' });
    if (status >= 400 && status < 500) {
      request.log.info({ code: error.code }, 'back-channel logout refused: invalid request');
      return reply.code(400).send({ error: 'invalid_request' as const });
    }
    request.log.error({ err: error }, 'back-channel logout failed');
    return reply.code(500).send({ error: 'internal_error' });
  });

  const options = {
    schema: BackchannelLogoutSchema,
    bodyLimit: 16 * 1024,
    // 0 turns the per-address limit off here too: the same proxy limits these.
    config: { rateLimit: limits.apiPerMinute > 0 ? { max: limits.apiPerMinute, timeWindow: '1 minute' } : (false as const) },
  };
  fastify.post(BACKCHANNEL_LOGOUT_PATH, options, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const at = now();
    const check = await verifyLogoutToken(request.body.logout_token, { secret: settings.secret, issuers, audience: settings.audience, now });
    if (!check.ok) {
      request.log.warn({ reason: check.reason }, 'back-channel logout refused');
      return reply.code(401).send({ error: 'invalid_token' as const });
    }
    const { claims } = check;
    // Scoped by issuer so two senders' ids never clash; kept a little past `exp` (the verifier's leeway).
    if (!(await fastify.deps.revocations.firstUse(`${claims.iss} ${claims.jti}`, claims.exp + 60))) {
      request.log.warn({ reason: 'replayed' }, 'back-channel logout refused');
      return reply.code(401).send({ error: 'invalid_token' as const });
    }
    const fromSite = claims.iss === settings.siteIssuer;
    // Session iat is in whole seconds: one made in this very second may predate the logout, so it ends too.
    // From the App (a Rocket.Chat logout), the mark also keeps the site's older session from starting a new
    // one (flow/site-session.ts); from the site's backend it need not: the site ended its own session.
    await fastify.deps.revocations.revokeSubject(claims.sub, at + 1, at + session.ttlSeconds + 1, { rocketChatLogout: !fromSite });

    if (fromSite && claims.profile) {
      try {
        await fastify.deps.issuer.revoke(claims.profile);
      } catch (error) {
        // The site sessions are over regardless; Rocket.Chat tokens then expire on their own.
        request.log.warn({ err: error, sub: claims.sub }, 'back-channel logout: could not revoke Rocket.Chat logins');
      }
    } else if (fromSite) {
      request.log.warn({ sub: claims.sub }, 'back-channel logout: no username/email claims, Rocket.Chat logins left as they are');
    }
    request.log.info({ sub: claims.sub, from: fromSite ? 'site' : 'app' }, 'back-channel logout');
    return reply.code(200).send({ loggedOut: true as const });
  });
};

export default backchannel;
