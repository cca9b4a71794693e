/**
 * TOKEN_MODE=password: the user's own Rocket.Chat password, through `POST /api/v1/login`,
 * gives the resume token (`authToken`) the API URL hands out as `loginToken`. No admin
 * credential, no server env, no database — the one mode that works on hosted workspaces.
 *
 * Unlike the other modes this is interactive: Rocket.Chat may ask for a second factor, so a
 * login is `start` and, when it answers `totp-required`, `complete` with the code. The
 * password lives only in PendingLogins between the two (minutes, memory, bound to the form).
 */
import type { SiteUser } from '../identity/types';
import { AccountBudget, PendingLogins, type PendingLogin } from './pending-logins';
import type { RestAnswer, RocketChatRest } from './rocketchat-rest';
import { TokenError } from './types';

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
  | { kind: 'rate-limited'; retryAfterSeconds: number; by: 'rocketchat' | 'account' };

export interface PasswordLogin {
  /**
   * `siteUser`: who the identity source (local) says this is; absent when Rocket.Chat is the directory.
   * `lockKey`: kept with a login that waits for a code, for `lockKeyOf`.
   */
  start(login: string, password: string, binding: string, siteUser?: SiteUser, lockKey?: string): Promise<PasswordStep>;
  complete(pendingId: string, code: string, binding: string): Promise<PasswordStep>;
  /** The `lockKey` a login waiting for a code was started with, before its code is tried. */
  lockKeyOf(pendingId: string, binding: string): string | undefined;
}

export interface PasswordLoginOptions {
  rest: RocketChatRest;
  register: boolean;
  accountLoginsPerMinute: number;
  pending?: PendingLogins;
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
  const { rest } = options;
  const now = options.now ?? Date.now;
  const pending = options.pending ?? new PendingLogins();
  const budget = new AccountBudget(options.accountLoginsPerMinute);
  // Once Rocket.Chat says 429, every login from this IP would get it too: wait without asking.
  let blockedUntil = 0;

  function limited(account: string): PasswordStep | undefined {
    if (blockedUntil > now()) return { kind: 'rate-limited', retryAfterSeconds: Math.ceil((blockedUntil - now()) / 1000), by: 'rocketchat' };
    const wait = budget.take(account);
    return wait > 0 ? { kind: 'rate-limited', retryAfterSeconds: wait, by: 'account' } : undefined;
  }

  function rateLimited(answer: RestAnswer): PasswordStep {
    const seconds = answer.retryAfterSeconds ?? 60;
    blockedUntil = Math.max(blockedUntil, now() + seconds * 1000);
    return { kind: 'rate-limited', retryAfterSeconds: seconds, by: 'rocketchat' };
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

  function twoFactor(entry: PendingLogin, binding: string, invalid: boolean): PasswordStep {
    const pendingId = pending.put(entry, binding);
    return { kind: 'two-factor', pendingId, method: entry.method, emailSentTo: entry.emailSentTo, attemptsLeft: MAX_CODE_ATTEMPTS - entry.attempts, invalid };
  }

  function methodOf(answer: RestAnswer): PendingLogin['method'] {
    const method = (answer.body.details as { method?: unknown } | undefined)?.method;
    return method === 'totp' || method === 'password' ? method : 'email';
  }

  async function register(siteUser: SiteUser, password: string, binding: string, lockKey: string | undefined): Promise<PasswordStep> {
    const answer = await rest.register({ username: siteUser.username, email: siteUser.email, pass: password, name: siteUser.name });
    if (answer.status === 429) return rateLimited(answer);
    if (answer.status >= 500) throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    if (answer.status !== 200 || answer.body.success !== true) {
      const type = typeof answer.body.errorType === 'string' ? answer.body.errorType : '';
      if (type === 'error-user-registration-disabled' || /registration is disabled/i.test(errorOf(answer))) return { kind: 'refused', reason: 'registration_disabled' };
      // The account exists: Rocket.Chat's password is not the site's.
      if (/already in use|already exists/i.test(errorOf(answer))) return { kind: 'refused', reason: 'password_mismatch' };
      return { kind: 'refused', reason: 'registration_failed' };
    }
    const again = limited(siteUser.username);
    if (again) return again;
    return interpret(await rest.login(siteUser.username, password), { login: siteUser.username, password, method: 'email', attempts: 0, siteUser, lockKey }, binding, false);
  }

  async function interpret(answer: RestAnswer, entry: PendingLogin, binding: string, mayRegister: boolean): Promise<PasswordStep> {
    if (answer.status === 200 && answer.body.status === 'success') return loggedIn(answer, entry.siteUser);
    if (answer.status === 429) return rateLimited(answer);
    if (answer.status >= 500 || (answer.status !== 401 && answer.status !== 403 && answer.status !== 400)) throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    const error = errorOf(answer);
    if (error === 'totp-required') {
      const method = methodOf(answer);
      const email = entry.siteUser?.email || (entry.login.includes('@') ? entry.login : undefined);
      return twoFactor({ ...entry, method, emailSentTo: method === 'email' && email ? maskEmail(email) : undefined }, binding, false);
    }
    if (error === 'totp-invalid') {
      const attempts = entry.attempts + 1;
      if (attempts >= MAX_CODE_ATTEMPTS) return { kind: 'refused', reason: 'code_attempts' };
      return twoFactor({ ...entry, attempts }, binding, true);
    }
    if (error === 'totp-max-attempts') return { kind: 'refused', reason: 'code_attempts' };
    if (error === 'error-user-is-not-activated') return { kind: 'refused', reason: 'inactive' };
    if (mayRegister && options.register && entry.siteUser) return register(entry.siteUser, entry.password, binding, entry.lockKey);
    // With a site user the password was right at the site: Rocket.Chat's differs (or the account is missing).
    return { kind: 'refused', reason: entry.siteUser ? 'password_mismatch' : 'bad_credentials' };
  }

  return {
    async start(login, password, binding, siteUser, lockKey) {
      const account = siteUser?.username ?? login;
      const wait = limited(account);
      if (wait) return wait;
      const entry: PendingLogin = { login: account, password, method: 'email', attempts: 0, siteUser, lockKey };
      return interpret(await rest.login(account, password), entry, binding, true);
    },
    async complete(pendingId, code, binding) {
      const entry = pending.take(pendingId, binding);
      if (!entry) return { kind: 'refused', reason: 'expired' };
      const wait = limited(entry.login);
      if (wait) return wait;
      return interpret(await rest.login(entry.login, entry.password, code.trim()), entry, binding, false);
    },
    lockKeyOf(pendingId, binding) {
      return pending.peek(pendingId, binding)?.lockKey;
    },
  };
}
