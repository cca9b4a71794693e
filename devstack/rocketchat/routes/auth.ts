import { publicUser, type Route, type RouteContext } from '../context';
import { ReplyError, str, type Reply } from '../http';
import type { PasswordInput } from '../passwords';
import { checkPassword } from '../passwords';
import { TwoFactorError } from '../twoFactor';
import type { StoredUser } from '../types';

/**
 * /api/v1/login answers every failure with 401 `{success: false, status: 'error', error, message, details?}`
 * — `error` holds the Meteor error code, not `errorType`, unlike every other route (api.ts, _initAuth).
 */
const loginError = (error: string | number, message: string, details?: unknown): ReplyError =>
  new ReplyError({ status: 401, body: { success: false, status: 'error', error, message, ...(details === undefined ? {} : { details }) } });

const badCredentials = (): ReplyError => loginError('Unauthorized', 'Unauthorized');

type LoginMethod =
  | { kind: 'password'; user: StoredUser | undefined; password: PasswordInput; username?: string }
  | { kind: 'resume'; token: string }
  | { kind: 'iframe'; token: unknown };

// loginCompatibility: `user` may be a username or an email; `{user: {username|email}}` also occurs.
function parseLogin(ctx: RouteContext): LoginMethod | undefined {
  const b = ctx.body;
  const login = (b.totp && typeof b.totp === 'object' ? (b.totp as Record<string, unknown>).login : undefined) as Record<string, unknown> | undefined;
  const source = login ?? b;
  if (typeof source.resume === 'string') return { kind: 'resume', token: source.resume };
  if (source.iframe === true) return { kind: 'iframe', token: source.token };
  const password = source.password as PasswordInput | undefined;
  if (password === undefined) return undefined;
  const who = source.user ?? source.username ?? source.email;
  if (typeof who === 'string') {
    const user = who.includes('@') ? ctx.store.byEmail(who) : ctx.store.byUsername(who);
    return { kind: 'password', user, password, username: who.includes('@') ? undefined : who };
  }
  if (who && typeof who === 'object') {
    const w = who as Record<string, unknown>;
    const user = typeof w.email === 'string' ? ctx.store.byEmail(w.email) : typeof w.username === 'string' ? ctx.store.byUsername(w.username) : undefined;
    return { kind: 'password', user, password, username: typeof w.email === 'string' ? undefined : str(w.username) };
  }
  return undefined;
}

/**
 * The 2FA code of a login: `totp.code`, or (loginCompatibility, password logins only) `code` or the
 * x-2fa-code header. The method is never taken from the request: the login's 2FA check picks the
 * user's first enabled method (totp, then email), so x-2fa-method is ignored here.
 */
function secondFactorCode(ctx: RouteContext, method: LoginMethod): string | undefined {
  const totp = ctx.body.totp && typeof ctx.body.totp === 'object' ? (ctx.body.totp as Record<string, unknown>) : undefined;
  if (method.kind !== 'password') return str(totp?.code);
  return str(ctx.body.code) ?? str(totp?.code) ?? str(ctx.headers['x-2fa-code']);
}

function loggedIn(user: StoredUser, authToken: string): Reply {
  user.lastLogin = new Date();
  user.status = 'online';
  return { status: 200, body: { status: 'success', data: { userId: user._id, authToken, me: publicUser(user) }, success: true } };
}

/** The password login as Accounts runs it: the brute-force block (validateLoginAttempt) before the password's verdict and the second factor. */
function passwordLogin(ctx: RouteContext, method: Extract<LoginMethod, { kind: 'password' }>): StoredUser {
  const { user, username } = method;
  const passwordRight = !!user && checkPassword(user.services.password?.scrypt, method.password);
  const blocked = ctx.loginBlock.check(ctx.ip, username);
  if (blocked) {
    ctx.loginBlock.fail(ctx.ip, username);
    const scope = blocked === 'error-login-blocked-for-ip' ? 'IP' : 'User';
    throw loginError(blocked, `Login has been temporarily blocked For ${scope}`, { function: 'Accounts.validateLoginAttempt' });
  }
  if (!user || !passwordRight) {
    ctx.loginBlock.fail(ctx.ip, username);
    throw badCredentials();
  }
  return user;
}

function handleLogin(ctx: RouteContext): Reply {
  const method = parseLogin(ctx);
  if (!method) throw loginError(400, 'Unrecognized options for login request');
  if (method.kind === 'resume') {
    const found = ctx.store.authenticate(undefined, method.token);
    if (!found) throw loginError(403, "You've been logged out by the server. Please log in again.");
    if (!found.user.active) throw loginError('error-user-is-not-activated', 'User is not activated');
    // A resume login hands back the same token: nothing new is stored.
    return loggedIn(found.user, method.token);
  }
  let user: StoredUser | undefined;
  if (method.kind === 'iframe') {
    // iframe_server.ts: check(token, String), then services.iframe.token must match.
    if (typeof method.token !== 'string') throw loginError(400, 'Match failed');
    user = ctx.store.byIframeToken(method.token);
    if (!user) throw loginError(403, 'User not found');
  } else {
    user = passwordLogin(ctx, method);
  }
  if (!user.active) throw loginError('error-user-is-not-activated', 'User is not activated');
  try {
    ctx.twoFactor.check(user, secondFactorCode(ctx, method), undefined, { passwordFallback: false });
  } catch (err) {
    if (err instanceof TwoFactorError) throw loginError(err.error, err.message, err.details);
    throw err;
  }
  if (method.kind === 'password') ctx.loginBlock.succeed(ctx.ip, user.username);
  return loggedIn(user, ctx.store.issueResumeToken(user));
}

const login: Route = {
  method: 'POST',
  path: '/api/v1/login',
  auth: false,
  handle(ctx) {
    try {
      return handleLogin(ctx);
    } catch (err) {
      // The announced breaking change: no failure says more than this.
      if (err instanceof ReplyError && ctx.loginErrors === 'unauthorized') throw new ReplyError({ status: 401, body: { success: false, error: 'unauthorized' } });
      throw err;
    }
  },
};

const me: Route = {
  method: 'GET',
  path: '/api/v1/me',
  auth: true,
  handle: (ctx) => ({ status: 200, body: { ...publicUser(ctx.caller!.user), success: true } }),
};

const logout: Route = {
  method: 'POST',
  path: '/api/v1/logout',
  auth: true,
  handle(ctx) {
    const { user, loginToken } = ctx.caller!;
    ctx.store.removeToken(user, loginToken);
    return { status: 200, body: { status: 'success', data: { message: "You've been logged out!" } } };
  },
};

export const authRoutes: Route[] = [login, me, logout];
