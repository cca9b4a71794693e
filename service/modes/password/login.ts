/**
 * TOKEN_MODE=password: the user's own Rocket.Chat password, through `POST /api/v1/login`,
 * gives the resume token (`authToken`) the API URL hands out as `loginToken`. No admin
 * credential, no server env, no database — the one mode that works on hosted workspaces.
 *
 * Unlike the other modes this is interactive: Rocket.Chat may ask for a second factor, so a
 * login is `start` and, when it answers `totp-required`, `complete` with the code. The
 * password lives only in PendingLogins between the two (minutes, sealed, bound to the form).
 *
 * Every call comes from the companion's one address, so Rocket.Chat's per-address limits are
 * shared by all users: calls go through RocketChatBudgets, and Rocket.Chat's brute-force block
 * (login-blocks.ts) is remembered instead of tried again — each try would prolong it.
 */
import type { SiteUser } from '../../identity/types';
import type { LoginBlocks } from './login-blocks';
import { readLoginReply, type LoginReply } from './login-reply';
import type { PendingLogins, PendingLogin } from './pending-logins';
import type { RocketChatBudgets } from './budget';
import type { RestAnswer, RocketChatRest } from '../../rocketchat/rest';
import { TokenError } from '../issuer';

/** Wrong codes allowed per login; Rocket.Chat itself stops emailed codes after 5. */
export const MAX_CODE_ATTEMPTS = 3;

export interface LoggedIn {
  kind: 'done';
  user: SiteUser;
  credential: { loginToken: string };
  rocketChat: { userId: string; checkedAt: number };
}

export type PasswordStep =
  | LoggedIn
  | { kind: 'two-factor'; pendingId: string; method: PendingLogin['method']; emailSentTo?: string; attemptsLeft: number; invalid: boolean }
  | { kind: 'refused'; reason: 'bad_credentials' | 'password_mismatch' | 'registration_disabled' | 'registration_failed' | 'inactive' | 'code_attempts' | 'expired' }
  | { kind: 'rate-limited'; retryAfterSeconds: number; by: 'rocketchat' | 'account' | 'client' }
  /** Rocket.Chat's brute-force block: not a wrong password, and nothing the user can fix but wait. */
  | { kind: 'blocked'; scope: 'ip' | 'user'; minutes: number };

export interface StartOptions {
  /** Who the identity source (local) says this is; absent when Rocket.Chat is the directory. */
  siteUser?: SiteUser;
  /** Kept with a login that waits for a code, for `lockKeyOf`. */
  lockKey?: string;
  /** The browser's address: its share of Rocket.Chat's budget is what it spends. */
  client?: string;
}

export interface PasswordLogin {
  start(login: string, password: string, binding: string, options?: StartOptions): Promise<PasswordStep>;
  complete(pendingId: string, code: string, binding: string): Promise<PasswordStep>;
  /** The `lockKey` a login waiting for a code was started with, before its code is tried. */
  lockKeyOf(pendingId: string, binding: string): Promise<string | undefined>;
}

export interface PasswordLoginOptions {
  rest: RocketChatRest;
  register: boolean;
  budgets: RocketChatBudgets;
  blocks: LoginBlocks;
  pending: PendingLogins;
  now?: () => number;
}

/** `al***@example.com`: enough to recognise one's own address, not enough to harvest it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  return `${local.slice(0, local.length > 3 ? 2 : 1)}***${email.slice(at)}`;
}

const errorOf = (answer: RestAnswer): string => (typeof answer.body.error === 'string' ? answer.body.error : String(answer.body.error ?? ''));

export function createPasswordLogin(options: PasswordLoginOptions): PasswordLogin {
  const { rest, budgets } = options;
  const now = options.now ?? Date.now;
  const { blocks, pending } = options;

  /** The login call, within the budget and outside a known block; a step instead when it may not be made. */
  async function callLogin(entry: PendingLogin, code?: string): Promise<{ answer: RestAnswer; giveBack(): void } | PasswordStep> {
    const block = blocks.current(entry.login);
    if (block) return { kind: 'blocked', ...block };
    const grant = await budgets.routes.login.take({ client: entry.client, account: entry.login });
    if (!grant.ok) return { kind: 'rate-limited', retryAfterSeconds: grant.retryAfterSeconds, by: grant.by };
    return { answer: await rest.login(entry.login, entry.password, code), giveBack: grant.giveBack };
  }

  function loggedIn(answer: RestAnswer, siteUser: SiteUser | undefined): LoggedIn {
    const data = answer.body.data as { authToken?: unknown; userId?: unknown; me?: unknown } | undefined;
    if (typeof data?.authToken !== 'string' || typeof data.userId !== 'string' || !data.authToken) throw new TokenError('unavailable', 'rocketchat_bad_reply');
    const me = rest.summaryOf(data.me);
    const user: SiteUser = siteUser ?? {
      // Rocket.Chat is the directory: its user id is the stable id.
      sub: data.userId,
      username: me?.username ?? data.userId,
      email: me?.email ?? '',
      email_verified: me?.emailVerified ?? false,
      name: me?.name ?? me?.username ?? data.userId,
    };
    return { kind: 'done', user, credential: { loginToken: data.authToken }, rocketChat: { userId: data.userId, checkedAt: Math.floor(now() / 1000) } };
  }

  async function twoFactor(entry: PendingLogin, binding: string, invalid: boolean): Promise<PasswordStep> {
    const pendingId = await pending.put(entry, binding);
    return { kind: 'two-factor', pendingId, method: entry.method, emailSentTo: entry.emailSentTo, attemptsLeft: MAX_CODE_ATTEMPTS - entry.attempts, invalid };
  }

  function codeRequired(entry: PendingLogin, method: PendingLogin['method'], binding: string): Promise<PasswordStep> {
    const email = entry.siteUser?.email || (entry.login.includes('@') ? entry.login : undefined);
    return twoFactor({ ...entry, method, emailSentTo: method === 'email' && email ? maskEmail(email) : undefined }, binding, false);
  }

  async function wrongCode(entry: PendingLogin, binding: string): Promise<PasswordStep> {
    const attempts = entry.attempts + 1;
    if (attempts >= MAX_CODE_ATTEMPTS) return { kind: 'refused', reason: 'code_attempts' };
    return twoFactor({ ...entry, attempts }, binding, true);
  }

  async function register(entry: PendingLogin, binding: string, ambiguous: boolean): Promise<PasswordStep> {
    const siteUser = entry.siteUser!;
    const grant = await budgets.routes.register.take({ client: entry.client });
    if (!grant.ok) return { kind: 'rate-limited', retryAfterSeconds: grant.retryAfterSeconds, by: grant.by };
    const answer = await rest.register({ username: siteUser.username, email: siteUser.email, pass: entry.password, name: siteUser.name });
    if (answer.status === 429) {
      // Registering waits; logging in to existing accounts does not.
      const seconds = answer.retryAfterSeconds ?? 60;
      budgets.routes.register.pause(seconds);
      budgets.refused('register', 'rate_limited');
      return { kind: 'rate-limited', retryAfterSeconds: seconds, by: 'rocketchat' };
    }
    if (answer.status >= 500) throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    if (answer.status !== 200 || answer.body.success !== true) {
      const type = typeof answer.body.errorType === 'string' ? answer.body.errorType : '';
      if (type === 'error-user-registration-disabled' || /registration is disabled/i.test(errorOf(answer))) return { kind: 'refused', reason: 'registration_disabled' };
      // The account exists: Rocket.Chat's password is not the site's — or, when its login said nothing, it wants a code.
      if (/already in use|already exists/i.test(errorOf(answer))) return ambiguous ? codeRequired(entry, 'unknown', binding) : { kind: 'refused', reason: 'password_mismatch' };
      return { kind: 'refused', reason: 'registration_failed' };
    }
    return attempt(entry, binding, undefined, false);
  }

  /** One login call and what its answer means for this login. */
  async function attempt(entry: PendingLogin, binding: string, code: string | undefined, mayRegister: boolean): Promise<PasswordStep> {
    const called = await callLogin(entry, code);
    if ('kind' in called) return called;
    const reply = readLoginReply(called.answer);
    // The password was right: the call was no guess by this client (the account's own budget still counts it).
    if (reply.kind === 'success' || reply.kind === 'two-factor' || reply.kind === 'code-invalid') called.giveBack();
    return interpret(reply, called.answer, entry, binding, code !== undefined, mayRegister);
  }

  function interpret(reply: LoginReply, answer: RestAnswer, entry: PendingLogin, binding: string, withCode: boolean, mayRegister: boolean): PasswordStep | Promise<PasswordStep> {
    switch (reply.kind) {
      case 'success':
        blocks.clear(entry.login);
        return loggedIn(answer, entry.siteUser);
      case 'rate-limited':
        budgets.routes.login.pause(reply.retryAfterSeconds);
        budgets.refused('login', 'rate_limited');
        return { kind: 'rate-limited', retryAfterSeconds: reply.retryAfterSeconds, by: 'rocketchat' };
      case 'unavailable':
        throw new TokenError('unavailable', `rocketchat_${reply.status}`);
      case 'blocked':
        budgets.refused('login', 'blocked');
        return { kind: 'blocked', ...blocks.remember(reply.scope, entry.login) };
      case 'two-factor':
        return codeRequired(entry, reply.method, binding);
      case 'code-invalid':
        return wrongCode(entry, binding);
      case 'code-attempts':
        return { kind: 'refused', reason: 'code_attempts' };
      case 'inactive':
        return { kind: 'refused', reason: 'inactive' };
      case 'ambiguous':
        // The announced reply shape says nothing: a wrong password, or a code wanted. Never call it a wrong
        // password: ask for a code, saying it may be the password (modes/password/form.ts).
        if (withCode) return wrongCode(entry, binding);
        if (mayRegister && options.register && entry.siteUser) return register(entry, binding, true);
        return codeRequired(entry, 'unknown', binding);
      case 'bad-credentials':
        if (mayRegister && options.register && entry.siteUser) return register(entry, binding, false);
        // With a site user the password was right at the site: Rocket.Chat's differs (or the account is missing).
        return { kind: 'refused', reason: entry.siteUser ? 'password_mismatch' : 'bad_credentials' };
    }
  }

  return {
    async start(login, password, binding, start = {}) {
      const account = start.siteUser?.username ?? login;
      const entry: PendingLogin = { login: account, password, method: 'email', attempts: 0, siteUser: start.siteUser, lockKey: start.lockKey, client: start.client };
      return attempt(entry, binding, undefined, true);
    },
    async complete(pendingId, code, binding) {
      const entry = await pending.take(pendingId, binding);
      if (!entry) return { kind: 'refused', reason: 'expired' };
      return attempt(entry, binding, code.trim(), false);
    },
    async lockKeyOf(pendingId, binding) {
      return (await pending.peek(pendingId, binding))?.lockKey;
    },
  };
}
