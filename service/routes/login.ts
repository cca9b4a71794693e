/**
 * The Iframe URL: the login page Rocket.Chat frames, its form, and the page that hands the
 * credential over. Every failed login looks the same from outside. After a Rocket.Chat logout
 * while the site session lives (forward, jwt-cookie: flow/site-session.ts), or while the session
 * still holds the token Rocket.Chat ended (flow/held-token.ts), the page asks before signing the
 * user back in: "Continue as <name>" posts to /login-continue (issue 8).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { obtainCredential } from '../flow/credential';
import { createHeldTokenCheck } from '../flow/held-token';
import { GENERIC_LOGIN_ERROR, queryString, renderContinue, renderDone, renderLogin, renderMessage, renderRefused, type LoginError, type PageQuery } from '../flow/pages';
import { continueAfterRocketChatLogout, tryResolveSession } from '../flow/site-session';
import { ContinueSubmitSchema, LoginPageSchema, LoginSubmitSchema } from '../schemas/pages';
import type { Session } from '../sessions/cookie-codec';
import { Lockout } from '../sessions/lockout';
import { createRocketChatRest } from '../tokens/rocketchat-rest';
import { verifyDecoy } from '../users/password';
import { deliverHeld, passwordCodeRoute, submitPassword } from './password-login';

const login: FastifyPluginAsyncTypebox = async (fastify) => {
  const { limits, siteLoginUrl } = fastify.config;
  const lockout = new Lockout({ threshold: limits.lockoutThreshold, baseSeconds: limits.lockoutBaseSeconds, maxSeconds: limits.lockoutMaxSeconds });
  const { identity, passwordLogin } = fastify.deps;
  // TOKEN_MODE=password: the form's password goes to Rocket.Chat, and a second factor to /login-code.
  if (passwordLogin) await fastify.register(passwordCodeRoute(lockout));

  const unavailable = async (reply: FastifyReply, query: PageQuery) =>
    reply.code(503).send(await renderMessage(fastify, reply, { query, page: 'unavailable' }));

  /** Signed in at the site: get a fresh credential and hand it to Rocket.Chat. */
  async function deliver(request: FastifyRequest, reply: FastifyReply, query: PageQuery, session: Session) {
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
      if (obtained.kind === 'unavailable') return unavailable(reply, query);
      return reply.code(403).send(await renderRefused(fastify, reply, { query, reason: obtained.reason }));
    }
    await fastify.sessions.write(reply, obtained.session);
    return reply.code(200).send(await renderDone(fastify, reply, { query, credential: obtained.credential, csrf: fastify.csrf.token(request, reply) }));
  }

  // A signed-in GET asks Rocket.Chat about the held token or hands out a fresh one (Rocket.Chat
  // keeps 50 a user and drops the oldest): those answers are limited per IP like the form
  // (LOGIN_RATE_LIMIT_PER_MINUTE, a counter of their own). The bare form is not.
  const signedInPageLimit = fastify.createRateLimit({ max: limits.loginPerMinute, timeWindow: '1 minute' });

  // App mode: before a signed-in page hands out or mints anything, Rocket.Chat is asked whether the
  // token the session holds still stands (flow/held-token.ts).
  const { app, rocketChatUrl } = fastify.config;
  const heldToken = app ? createHeldTokenCheck(createRocketChatRest({ restUrl: rocketChatUrl, timeoutMs: app.timeoutMs })) : async () => 'unknown' as const;

  fastify.get('/login', { schema: LoginPageSchema }, async (request, reply) => {
    const query = request.query;
    // Only a navigation that shows the page signs in: Rocket.Chat's iframe, the mobile app's WebView
    // or a tab (`iframe`, `document`), or a browser too old to say. An <img> or <script> that another
    // site points here, with the user's SameSite=None cookies, gets nothing and mints nothing.
    const destination = request.headers['sec-fetch-dest'];
    if (destination !== undefined && destination !== 'iframe' && destination !== 'document') {
      request.log.info({ destination }, 'login page refused: not a navigation');
      return reply.code(403).send('');
    }
    // Fresh: this page hands out or mints a credential, so a `local` user's standing is not taken from the cache.
    const resolved = await tryResolveSession(fastify, request, { fresh: true });
    if (!resolved) return unavailable(reply, query);
    if (resolved.session) {
      const limit = await signedInPageLimit(request);
      if (!limit.isAllowed && limit.isExceeded) {
        // The error handler answers the "Too many attempts" page, as for the form.
        reply.header('retry-after', String(limit.ttlInSeconds));
        throw Object.assign(new Error('signed-in login page rate limit exceeded'), { statusCode: 429 });
      }
    }
    if (resolved.session && passwordLogin) {
      // No password here to log in again: the held token, if Rocket.Chat still takes it, or the form.
      const delivered = await deliverHeld(fastify, request, reply, query, resolved.session);
      if (delivered) return delivered;
      fastify.sessions.clear(reply);
    } else if (resolved.session) {
      const { session } = resolved;
      const held = await heldToken(session);
      if (resolved.changed && held !== 'unknown') await fastify.sessions.write(reply, session);
      if (held === 'ended') {
        // Rocket.Chat's client shows this page after the held token failed: the user logged out of chat.
        request.log.info({ sub: session.user.sub }, 'the held Rocket.Chat login has ended: asking before signing back in');
        return reply.code(200).send(await renderContinue(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), name: session.user.name }));
      }
      fastify.metrics.login('session');
      if (held === 'alive' && session.credential) {
        return reply.code(200).send(await renderDone(fastify, reply, { query, credential: session.credential, csrf: fastify.csrf.token(request, reply) }));
      }
      return deliver(request, reply, query, session);
    }
    if (resolved.changed) fastify.sessions.clear(reply);
    if (resolved.signedOutOfChat) {
      return reply.code(200).send(await renderContinue(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), name: resolved.signedOutOfChat.name }));
    }
    if (!identity.verifyPassword && identity.kind !== 'rocketchat') {
      return reply.code(401).send(await renderMessage(fastify, reply, { query, page: 'signInFirst', href: siteLoginUrl }));
    }
    return reply.code(200).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply) }));
  });

  fastify.post(
    '/login',
    { schema: LoginSubmitSchema, config: { rateLimit: { max: limits.loginPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const query = request.query;
      const { username, password, _csrf } = request.body;
      const refuse = async (status: 401 | 403, error: LoginError, keepUsername = true) =>
        reply.code(status).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), username: keepUsername ? username : undefined, error }));

      if (!fastify.csrf.verify(request, _csrf)) {
        fastify.metrics.login('csrf');
        request.log.warn({ origin: request.headers.origin }, 'login form refused: CSRF check failed');
        return refuse(403, 'formExpired', false);
      }
      if (passwordLogin) return submitPassword(fastify, request, reply, { query, username, password, csrf: _csrf, lockout, passwordLogin });
      if (!identity.verifyPassword) return refuse(403, 'siteFirst', false);

      const login = username.trim();
      // Locked per account, not per spelling: the username and the email share one counter.
      const lockKey = (await identity.accountKey?.(login)) ?? login;
      // Claimed before the slow check, so parallel guesses cannot all get past a lockout that none has tripped yet.
      const release = await lockout.claim(lockKey);
      if (!release) {
        // Still one hash before the answer: a refusal quicker than a wrong password's would tell
        // who is locked, and so which logins name one account. The identity is not asked.
        await verifyDecoy(password);
        fastify.metrics.login('locked');
        request.log.warn('login refused: account temporarily locked');
        return refuse(401, GENERIC_LOGIN_ERROR);
      }
      let user;
      try {
        user = await identity.verifyPassword(login, password);
      } finally {
        release();
      }
      if (!user) {
        lockout.fail(lockKey);
        fastify.metrics.login('bad_credentials');
        return refuse(401, GENERIC_LOGIN_ERROR);
      }
      lockout.succeed(lockKey);
      fastify.metrics.login('success');
      request.log.info({ sub: user.sub }, 'signed in');
      return deliver(request, reply, query, fastify.sessions.start(user));
    },
  );

  // "Continue as <name>" after a Rocket.Chat logout: the user's own choice starts a new session from
  // the site's session. The site is asked again here; without a valid CSRF token nothing changes.
  fastify.post(
    '/login-continue',
    { schema: ContinueSubmitSchema, config: { rateLimit: { max: limits.loginPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const query = request.query;
      const csrfOk = fastify.csrf.verify(request, request.body._csrf);
      const resolved = await tryResolveSession(fastify, request, { fresh: true });
      if (!resolved) return unavailable(reply, query);
      const heldBack = resolved.signedOutOfChat;
      if (!csrfOk) {
        fastify.metrics.login('csrf');
        request.log.warn({ origin: request.headers.origin }, 'continue refused: CSRF check failed');
        if (heldBack) {
          return reply.code(403).send(await renderContinue(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), name: heldBack.name, error: 'formExpired' }));
        }
      }
      if (csrfOk && !heldBack && resolved.session) {
        // The page asked because Rocket.Chat ended the login this session held (flow/held-token.ts).
        fastify.metrics.login('session');
        request.log.info({ sub: resolved.session.user.sub }, 'signed back in to chat after a Rocket.Chat logout');
        return deliver(request, reply, query, resolved.session);
      }
      if (!csrfOk || !heldBack) {
        // Nothing to continue (nobody at the site, the mark is gone, or signed in again already): the login page says what to do.
        reply.header('cache-control', 'no-store');
        return reply.redirect(`login${queryString(query)}`, 303);
      }
      fastify.metrics.login('session');
      request.log.info({ sub: heldBack.sub }, 'signed back in to chat after a Rocket.Chat logout');
      return deliver(request, reply, query, continueAfterRocketChatLogout(fastify, heldBack, resolved.rocketChatLogoutAt ?? 0));
    },
  );
};

export default login;
