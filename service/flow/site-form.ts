/**
 * The login form in the modes that mint (app, mongo): the site's own password check
 * (IDENTITY_SOURCE=local), under the account's lockout, then a new Rocket.Chat login.
 * Every failed login looks the same from outside, in its body and in its time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginForm } from '../modes/types';
import { verifyDecoy } from '../users/password';
import type { CheckOutcome } from './lockout';
import { deliver } from './deliver';
import { GENERIC_LOGIN_ERROR, renderLogin, type LoginError } from './pages';

export async function signInAtSite(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, form: LoginForm): Promise<FastifyReply> {
  const { query, username, password } = form;
  const { identity } = fastify.deps;
  const refuse = async (status: 401 | 403, error: LoginError, keepUsername = true) =>
    reply.code(status).send(await renderLogin(fastify, reply, { query, csrf: fastify.csrf.token(request, reply), username: keepUsername ? username : undefined, error }));
  if (!identity.verifyPassword) return refuse(403, 'siteFirst', false);

  const login = username.trim();
  // Locked per account, not per spelling: the username and the email share one counter.
  const lockKey = (await identity.accountKey?.(login)) ?? login;
  // Claimed before the slow check, so parallel guesses cannot all get past a lockout that none has tripped yet.
  const check = await fastify.lockout.claim(lockKey);
  if (!check) {
    // Still one hash before the answer: a refusal quicker than a wrong password's would tell
    // who is locked, and so which logins name one account. The identity is not asked.
    await verifyDecoy(password);
    fastify.metrics.login('locked');
    request.log.warn('login refused: account temporarily locked');
    return refuse(401, GENERIC_LOGIN_ERROR);
  }
  let user;
  // A check that throws says nothing about the password.
  let outcome: CheckOutcome = 'unknown';
  try {
    user = await identity.verifyPassword(login, password);
    outcome = user ? 'passed' : 'failed';
  } finally {
    await check.end(outcome);
  }
  if (!user) {
    fastify.metrics.login('bad_credentials');
    return refuse(401, GENERIC_LOGIN_ERROR);
  }
  fastify.metrics.login('success');
  request.log.info({ sub: user.sub }, 'signed in');
  return deliver(fastify, request, reply, query, fastify.sessions.start(user));
}
