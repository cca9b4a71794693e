import { hashLoginToken, randomId, randomSecret } from './ids';
import { hashPassword } from './passwords';
import type { LoginToken, NewUser, StoredUser } from './types';

/** Rocket.Chat's MAX_RESUME_LOGIN_TOKENS default. */
export const MAX_RESUME_LOGIN_TOKENS = 50;

/** Username rule of the default `UTF8_User_Names_Validation` setting. */
const USERNAME_PATTERN = /^[0-9a-zA-Z-_.]+$/;

export class FieldUnavailableError extends Error {
  constructor(readonly field: string) {
    super(`${field} is already in use :(`);
  }
}

export class InvalidFieldError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message);
  }
}

/** Rocket.Chat's first login `$push`es `services.resume.loginTokens` into a record that has none. */
function withResumeTokens(user: StoredUser): StoredUser {
  user.services ??= { resume: { loginTokens: [] } };
  user.services.resume ??= { loginTokens: [] };
  return user;
}

const sameText = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class UserStore {
  /**
   * The `users` collection. It may be shared with a MongoDB wire stand-in, so that records another
   * program writes there (the companion's MongoDB mode) are the ones this server logs in.
   */
  constructor(
    private readonly loginExpirationDays: number,
    private readonly collection: StoredUser[] = [],
  ) {}

  all(): StoredUser[] {
    return this.collection.map(withResumeTokens);
  }

  byUserId(userId: string): StoredUser | undefined {
    return this.all().find((u) => u._id === userId);
  }

  // Rocket.Chat checks both usernames and emails case-insensitively (checkUsernameAvailability, checkEmailAvailability).
  byUsername(username: string): StoredUser | undefined {
    return this.all().find((u) => sameText(u.username, username));
  }

  byEmail(email: string): StoredUser | undefined {
    return this.all().find((u) => u.emails.some((e) => sameText(e.address, email.trim())));
  }

  byIframeToken(token: string): StoredUser | undefined {
    return this.all().find((u) => u.services.iframe?.token === token);
  }

  find(by: { username?: string; userId?: string; email?: string }): StoredUser | undefined {
    if (by.userId !== undefined) return this.byUserId(by.userId);
    if (by.username !== undefined) return this.byUsername(by.username);
    if (by.email !== undefined) return this.byEmail(by.email);
    return undefined;
  }

  assertAvailable(fields: { username?: string; email?: string }, exceptId?: string): void {
    if (fields.username !== undefined) {
      if (!USERNAME_PATTERN.test(fields.username)) throw new InvalidFieldError('error-invalid-username', `${fields.username} is not a valid username, use only letters, numbers, dots, hyphens and underscores`);
      const other = this.byUsername(fields.username);
      if (other && other._id !== exceptId) throw new FieldUnavailableError(fields.username);
    }
    if (fields.email !== undefined) {
      if (!/^\S+@\S+\.\S+$/.test(fields.email)) throw new InvalidFieldError('error-invalid-email', `Invalid email ${fields.email}`);
      const other = this.byEmail(fields.email);
      if (other && other._id !== exceptId) throw new FieldUnavailableError(fields.email);
    }
  }

  create(input: NewUser): StoredUser {
    this.assertAvailable({ username: input.username, email: input.email });
    const now = new Date();
    const user: StoredUser = {
      _id: randomId(),
      createdAt: input.createdAt ?? now,
      _updatedAt: now,
      username: input.username,
      emails: [{ address: input.email.trim(), verified: input.verified ?? false }],
      name: input.name ?? input.username,
      active: input.active ?? true,
      roles: input.roles ?? ['user'],
      type: 'user',
      status: 'offline',
      statusDefault: 'online',
      services: { resume: { loginTokens: [] } },
    };
    if (input.password !== undefined) user.services.password = { scrypt: hashPassword(input.password) };
    if (input.twoFactor?.email) user.services.email2fa = { enabled: true, changedAt: now };
    if (input.twoFactor?.totpSecret) user.services.totp = { enabled: true, secret: input.twoFactor.totpSecret };
    this.collection.push(user);
    return user;
  }

  /** A new resume token, stored hashed; the oldest beyond the cap are dropped, as at every Rocket.Chat login. */
  issueResumeToken(user: StoredUser): string {
    const token = randomSecret();
    user.services.resume.loginTokens.push({ hashedToken: hashLoginToken(token), when: new Date() });
    // Newest first; tokens minted in the same millisecond keep their insertion order (reverse, then a stable sort).
    const resume = this.resumeTokens(user).reverse().sort((a, b) => b.when.getTime() - a.when.getTime());
    const dropped = new Set(resume.slice(MAX_RESUME_LOGIN_TOKENS));
    user.services.resume.loginTokens = user.services.resume.loginTokens.filter((t) => !dropped.has(t));
    return token;
  }

  issuePersonalAccessToken(user: StoredUser, name: string, bypassTwoFactor: boolean): string {
    const token = randomSecret();
    user.services.resume.loginTokens.push({ hashedToken: hashLoginToken(token), when: new Date(), type: 'personalAccessToken', name, bypassTwoFactor });
    return token;
  }

  resumeTokens(user: StoredUser): LoginToken[] {
    return user.services.resume.loginTokens.filter((t) => t.type !== 'personalAccessToken');
  }

  /** The user and token record a plain token belongs to, if it is known and not expired. */
  authenticate(userId: string | undefined, token: string): { user: StoredUser; loginToken: LoginToken } | undefined {
    const hashed = hashLoginToken(token);
    const candidates = userId === undefined ? this.all() : [this.byUserId(userId)].filter((u): u is StoredUser => !!u);
    for (const user of candidates) {
      const loginToken = user.services.resume.loginTokens.find((t) => t.hashedToken === hashed);
      if (loginToken && !this.expired(loginToken)) return { user, loginToken };
    }
    return undefined;
  }

  removeToken(user: StoredUser, loginToken: LoginToken): void {
    user.services.resume.loginTokens = user.services.resume.loginTokens.filter((t) => t !== loginToken);
  }

  /** Like Users.unsetLoginTokens: every token goes, personal access tokens included. */
  removeAllTokens(user: StoredUser): void {
    user.services.resume.loginTokens = [];
  }

  private expired(token: LoginToken): boolean {
    if (token.type === 'personalAccessToken') return false;
    return Date.now() - token.when.getTime() > this.loginExpirationDays * 86_400_000;
  }
}
