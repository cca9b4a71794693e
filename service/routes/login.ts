/**
 * The Iframe URL: the login page Rocket.Chat frames, its form, and the page that hands the
 * credential over. Every failed login looks the same from outside. After a Rocket.Chat logout
 * while the site session lives (forward, jwt-cookie: flow/site-session.ts), or while the session
 * still holds the login Rocket.Chat ended (flow/held-login.ts), the page asks before signing the
 * user back in: "Continue as <name>" posts to /login-continue. What the form does, and whether a
 * login can be made without it, is the token mode's (service/modes).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deliver, deliverHeld, unavailablePage } from '../flow/deliver';
import { heldLogin } from '../flow/held-login';
import { queryString, renderContinue, renderLogin, renderMessage, type PageQuery } from '../flow/pages';
import { continueAfterRocketChatLogout, tryResolveSession } from '../flow/site-session';
import type { HeldLoginAnswer } from '../modes/types';
import { ContinueSubmitSchema, LoginPageSchema, LoginSubmitSchema } from '../schemas/pages';
import type { Session } from '../sessions/cookie-codec';
import { TokenError } from '../modes/issuer';

const login: FastifyPluginAsyncTypebox = async (fastify) => {
  const { limits, siteLoginUrl } = fastify.config;
  const { identity } = fastify.deps;

  // A signed-in GET asks Rocket.Chat about the held login or hands out a fresh one (Rocket.Chat
  // keeps 50 a user and drops the oldest): those answers are limited per IP like the form
  // (LOGIN_RATE_LIMIT_PER_MINUTE, a counter of their own). The bare form is not.
  const signedInPageLimit = fastify.createRateLimit({ max: limits.loginPerMinute, timeWindow: '1 minute' });

  /** The page for a signed-in user: the held login if Rocket.Chat still takes it; else ask first, mint, or the form. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply, query: PageQuery, session: Session, changed: boolean) {
    let held: HeldLoginAnswer;
    try {
      held = await heldLogin(fastify, session, { purpose: 'page', client: request.ip });
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      fastify.metrics.login('unavailable');
      request.log.warn({ kind: error.kind, reason: error.reason }, 'could not ask Rocket.Chat about the held login');
      return unavailablePage(fastify, reply, query);
    }
    if (held.state === 'alive' && session.credential) {
      fastify.metrics.login('session');
      const current = held.rocketChat ? { ...session, rocketChat: held.rocketChat } : session;
      if (current !== session || changed) await fastify.sessions.write(reply, current);
      return deliverHeld(fastify, request, reply, query, { ...current, credential: session.credential });
    }
    if (!fastify.mode.mints) {
      // Nothing makes a new login without the password: the form, as for anybody.
      request.log.info({ sub: session.user.sub }, 'Rocket.Chat no longer accepts the held login');
      fastify.sessions.clear(reply);
      return undefined;
    }
    if (changed && held.state !== 'unknown') await fastify.sessions.write(reply, session);
    if (held.state === 'ended') {
      // Rocket.Chat's client shows this page after the held login failed: the user logged out of chat.
      request.log.info({ sub: session.user.sub }, 'the held Rocket.Chat login has ended: asking before signing back in');
      return reply.code(200).send(await renderContinue(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), name: session.user.name }));
    }
    fastify.metrics.login('session');
    return deliver(fastify, request, reply, query, session);
  }

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
    if (!resolved) return unavailablePage(fastify, reply, query);
    if (resolved.session) {
      const limit = await signedInPageLimit(request);
      if (!limit.isAllowed && limit.isExceeded) {
        // The error handler answers the "Too many attempts" page, as for the form.
        reply.header('retry-after', String(limit.ttlInSeconds));
        throw Object.assign(new Error('signed-in login page rate limit exceeded'), { statusCode: 429 });
      }
      const answered = await signedIn(request, reply, query, resolved.session, resolved.changed);
      if (answered) return answered;
    } else if (resolved.changed) {
      fastify.sessions.clear(reply);
    }
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
      if (!fastify.csrf.verify(request, _csrf)) {
        fastify.metrics.login('csrf');
        request.log.warn({ origin: request.headers.origin }, 'login form refused: CSRF check failed');
        return reply.code(403).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), error: 'formExpired' }));
      }
      return fastify.mode.submit(fastify, request, reply, { query, username, password, csrf: _csrf });
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
      if (!resolved) return unavailablePage(fastify, reply, query);
      const heldBack = resolved.signedOutOfChat;
      if (!csrfOk) {
        fastify.metrics.login('csrf');
        request.log.warn({ origin: request.headers.origin }, 'continue refused: CSRF check failed');
        if (heldBack) {
          return reply.code(403).send(await renderContinue(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), name: heldBack.name, error: 'formExpired' }));
        }
      }
      if (csrfOk && !heldBack && resolved.session && fastify.mode.mints) {
        // The page asked because Rocket.Chat ended the login this session held (flow/held-login.ts).
        fastify.metrics.login('session');
        request.log.info({ sub: resolved.session.user.sub }, 'signed back in to chat after a Rocket.Chat logout');
        return deliver(fastify, request, reply, query, resolved.session);
      }
      if (!csrfOk || !heldBack) {
        // Nothing to continue (nobody at the site, the mark is gone, or signed in again already): the login page says what to do.
        reply.header('cache-control', 'no-store');
        return reply.redirect(`login${queryString(query)}`, 303);
      }
      fastify.metrics.login('session');
      request.log.info({ sub: heldBack.sub }, 'signed back in to chat after a Rocket.Chat logout');
      return deliver(fastify, request, reply, query, continueAfterRocketChatLogout(fastify, heldBack, resolved.rocketChatLogoutAt ?? 0));
    },
  );
};

export default login;
