/**
 * Password mode on the Iframe URL: the login form's password goes to Rocket.Chat's own `login`
 * (modes/password/login.ts); a second factor is asked for on `POST /login-code` (this mode's route);
 * the done page is the other modes' (`login-with-token`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { common, GENERIC_LOGIN_ERROR, renderDone, renderLogin, type PageQuery } from '../../flow/pages';
import { unavailablePage } from '../../flow/deliver';
import { CodeSubmitSchema } from '../../schemas/password';
import type { Session } from '../../sessions/cookie-codec';
import type { PasswordLogin, PasswordStep } from './login';
import { TokenError } from '../issuer';
import { verifyDecoy } from '../../users/password';
import type { LoginForm } from '../types';
import type { CheckOutcome } from '../../flow/lockout';

type Refusal = Extract<PasswordStep, { kind: 'refused' }>['reason'];

/** Status and catalogue key (service/i18n) of each refusal. */
const REFUSALS: Record<Refusal, { status: 401 | 403; key: string }> = {
  bad_credentials: { status: 401, key: 'errors.generic' },
  password_mismatch: { status: 401, key: 'password.errors.mismatch' },
  registration_disabled: { status: 403, key: 'password.errors.registrationDisabled' },
  registration_failed: { status: 403, key: 'password.errors.registrationFailed' },
  inactive: { status: 403, key: 'password.errors.inactive' },
  code_attempts: { status: 401, key: 'password.errors.codeAttempts' },
  expired: { status: 401, key: 'password.errors.expired' },
};

/** Refusals that count towards the account's lockout: somebody may be guessing. */
const GUESSES: readonly Refusal[] = ['bad_credentials', 'password_mismatch', 'code_attempts'];

/** What a step tells the account's lockout (flow/lockout.ts). */
function outcomeOf(step: PasswordStep): CheckOutcome {
  if (step.kind === 'done') return 'passed';
  // Without a word from Rocket.Chat the password may have been wrong: that counts as a guess.
  if (step.kind === 'two-factor') return step.method === 'unknown' && !step.invalid ? 'failed' : 'unknown';
  // Rocket.Chat's limits and its brute-force block say nothing about this password.
  if (step.kind !== 'refused') return 'unknown';
  return GUESSES.includes(step.reason) ? 'failed' : 'unknown';
}

interface StepContext {
  query: PageQuery;
  /** The login as typed, to refill the form. */
  login?: string;
}

/** The login form with a message of this mode (routes/login.ts's renderLogin knows only its own). */
function renderForm(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; csrf: string; username?: string; key: string; count?: number }) {
  const base = common(fastify, reply, options.query);
  const error = fastify.i18n.t(base.lang, options.key, options.count === undefined ? undefined : { count: options.count });
  return reply.viewAsync('login.hbs', { ...base, csrf: options.csrf, username: options.username, error });
}

function renderTwoFactor(fastify: FastifyInstance, reply: FastifyReply, step: Extract<PasswordStep, { kind: 'two-factor' }>, query: PageQuery, csrf: string) {
  const base = common(fastify, reply, query);
  const t = (key: string, values?: Record<string, string | number>) => fastify.i18n.t(base.lang, `password.code.${key}`, values);
  // `unknown`: Rocket.Chat's reply did not say whether it wants a code; the page says it may be the password.
  const where = step.method === 'unknown' ? t('unknown') : step.method === 'totp' ? t('totp') : step.emailSentTo ? t('sentTo', { email: step.emailSentTo }) : t('sentToAccount');
  const codeLabel = step.method === 'unknown' ? t('labelAny') : step.method === 'totp' ? t('labelTotp') : t('labelEmail');
  return reply.viewAsync('two-factor.hbs', {
    ...base,
    where,
    codeLabel,
    error: step.invalid ? t('invalid', { count: step.attemptsLeft }) : undefined,
    csrf,
    pendingId: step.pendingId,
  });
}

/** One answer page per step of the login; the password never reaches a page, a cookie or a log. */
async function answerStep(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, step: PasswordStep, context: StepContext) {
  const { query, login } = context;
  const csrf = fastify.csrf.token(request, reply);
  if (step.kind === 'done') {
    fastify.metrics.login('success');
    request.log.info({ sub: step.user.sub }, 'signed in to Rocket.Chat with the password');
    const session: Session = { ...fastify.sessions.start(step.user), credential: step.credential, rocketChat: step.rocketChat };
    await fastify.sessions.write(reply, session);
    return reply.code(200).send(await renderDone(fastify, reply, { query, credential: step.credential, csrf }));
  }
  if (step.kind === 'two-factor') {
    fastify.metrics.login('two_factor');
    request.log.info({ method: step.method, invalid: step.invalid }, 'Rocket.Chat asks for a second factor');
    return reply.code(step.invalid ? 401 : 200).send(await renderTwoFactor(fastify, reply, step, query, csrf));
  }
  if (step.kind === 'rate-limited') {
    fastify.metrics.login('rate_limited');
    request.log.warn({ by: step.by, retryAfterSeconds: step.retryAfterSeconds }, 'password login rate-limited');
    reply.header('retry-after', String(step.retryAfterSeconds));
    return reply.code(429).send(await renderForm(fastify, reply, { query, csrf, username: login, key: 'password.errors.rateLimited', count: step.retryAfterSeconds }));
  }
  if (step.kind === 'blocked') {
    // Rocket.Chat's brute-force block: nothing about this password, so no lockout count; the user can only wait.
    fastify.metrics.login('rate_limited');
    request.log.warn({ scope: step.scope, minutes: step.minutes }, 'Rocket.Chat has blocked sign-ins (Block_Multiple_Failed_Logins)');
    reply.header('retry-after', String(step.minutes * 60));
    const key = step.scope === 'ip' ? 'password.errors.blocked' : 'password.errors.blockedAccount';
    return reply.code(429).send(await renderForm(fastify, reply, { query, csrf, username: login, key, count: step.minutes }));
  }
  fastify.metrics.login(step.reason === 'bad_credentials' || step.reason === 'password_mismatch' ? 'bad_credentials' : 'denied');
  request.log.info({ reason: step.reason }, 'password login refused');
  const refusal = REFUSALS[step.reason];
  return reply.code(refusal.status).send(await renderForm(fastify, reply, { query, csrf, username: login, key: refusal.key }));
}

async function unavailable(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, query: PageQuery, error: unknown) {
  if (!(error instanceof TokenError)) throw error;
  fastify.metrics.login('unavailable');
  request.log.warn({ kind: error.kind, reason: error.reason }, 'Rocket.Chat login failed');
  return unavailablePage(fastify, reply, query);
}

/** The login form's POST in password mode, after the CSRF check (routes/login.ts). */
export async function submitPassword(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, form: LoginForm): Promise<FastifyReply> {
  const { query } = form;
  const { lockout } = fastify;
  const passwordLogin = fastify.deps.passwordLogin as PasswordLogin;
  const login = form.username.trim();
  const { identity } = fastify.deps;
  // Per account with `local`. With IDENTITY_SOURCE=rocketchat nothing here knows the account before
  // Rocket.Chat has accepted the password, so the key is the spelling typed (any case): a username
  // and its email are counted apart.
  const lockKey = (await identity.accountKey?.(login)) ?? login.toLowerCase();
  const refused = async () => reply.code(401).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), username: login, error: GENERIC_LOGIN_ERROR }));
  // Claimed before the slow checks, so parallel guesses cannot all get past a lockout that none has tripped yet.
  const check = await lockout.claim(lockKey);
  if (!check) {
    // One hash before the answer, as on the site's own form: a quick refusal would tell who is locked.
    await verifyDecoy(form.password);
    fastify.metrics.login('locked');
    request.log.warn('login refused: account temporarily locked');
    return refused();
  }
  let step: PasswordStep | undefined;
  try {
    // `local`: the site's own password check first, so only site users ever reach Rocket.Chat.
    const siteUser = identity.verifyPassword ? await identity.verifyPassword(login, form.password) : undefined;
    if (siteUser || !identity.verifyPassword) step = await passwordLogin.start(login, form.password, form.csrf, { siteUser, lockKey, client: request.ip });
  } catch (error) {
    // A check that throws says nothing about the password.
    await check.end('unknown');
    return unavailable(fastify, request, reply, query, error);
  }
  // No step: the site's own check refused the password.
  await check.end(step ? outcomeOf(step) : 'failed');
  if (!step) {
    fastify.metrics.login('bad_credentials');
    return refused();
  }
  return answerStep(fastify, request, reply, step, { query, login });
}

/** `POST /login-code`: the second factor of a login started on the form. */
export const codeRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  const { lockout } = fastify;
  const passwordLogin = fastify.deps.passwordLogin as PasswordLogin;
  fastify.post(
    // A sibling of /login, not /login/code: the pages use relative URLs (login-code, logout, login)
    // so a companion under a path prefix works, and those must resolve the same from either page.
    '/login-code',
    { schema: CodeSubmitSchema, config: { rateLimit: { max: fastify.config.limits.loginPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const { query } = request;
      const { pendingId, code, _csrf } = request.body;
      if (!fastify.csrf.verify(request, _csrf)) {
        fastify.metrics.login('csrf');
        request.log.warn({ origin: request.headers.origin }, 'code form refused: CSRF check failed');
        return reply.code(403).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), error: 'formExpired' }));
      }
      // A code is a guess too: the lockout of the login's account applies, claimed before Rocket.Chat is asked.
      const lockKey = await passwordLogin.lockKeyOf(pendingId, _csrf);
      const check = lockKey === undefined ? { end: async () => undefined } : await lockout.claim(lockKey);
      if (!check) {
        fastify.metrics.login('locked');
        request.log.warn('code refused: account temporarily locked');
        return reply.code(401).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), error: GENERIC_LOGIN_ERROR }));
      }
      let step: PasswordStep;
      try {
        step = await passwordLogin.complete(pendingId, code, _csrf);
      } catch (error) {
        await check.end('unknown');
        return unavailable(fastify, request, reply, query, error);
      }
      await check.end(outcomeOf(step));
      return answerStep(fastify, request, reply, step, { query });
    },
  );
};
