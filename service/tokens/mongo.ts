/**
 * MongoDB mode: the companion writes `services.iframe.token` on the user's record in
 * Rocket.Chat's own `users` collection, and the API URL answers `{"token"}`; Rocket.Chat's
 * `iframe` login handler then finds the user by that value (ROCKETCHAT.md §2).
 *
 * What this module writes must look exactly like a user Rocket.Chat created itself, because
 * Rocket.Chat reads these records everywhere (presence, permissions, the admin UI).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { SiteUser } from '../identity/types';
import { isMongoUnavailable, MongoDeadlineError, pingMongo, withDeadline } from '../mongo';
import { TokenError, type TokenIssuer } from './types';

/** Meteor's `Random.id()` alphabet: no 0/1/I/O/l lookalikes. Rocket.Chat ids are 17 of these. */
export const METEOR_ID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';
const METEOR_ID_LENGTH = 17;
/** 32 random bytes: the token is a bearer credential Rocket.Chat stores in plain text and never expires. */
const TOKEN_BYTES = 32;

/** The fields of a Rocket.Chat user record this module reads or writes (`IUser` in core-typings). */
export interface RocketChatUser {
  _id: string;
  createdAt: Date;
  _updatedAt: Date;
  username: string;
  emails: { address: string; verified: boolean }[];
  name: string;
  active: boolean;
  roles: string[];
  type: string;
  status: string;
  statusDefault: string;
  statusConnection: string;
  settings: Record<string, unknown>;
  services: Record<string, unknown>;
}

type Account = Pick<RocketChatUser, '_id' | 'username' | 'active' | 'type'>;
const ACCOUNT_PROJECTION = { _id: 1, username: 1, active: 1, type: 1 } as const;

export function meteorRandomId(): string {
  let id = '';
  for (let i = 0; i < METEOR_ID_LENGTH; i += 1) id += METEOR_ID_ALPHABET[randomInt(METEOR_ID_ALPHABET.length)];
  return id;
}

export function newIframeToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * The record Rocket.Chat's own creation path leaves behind (Accounts.createUser →
 * insertUserDoc → onCreateUser → saveNewUser): status 'offline' until a connection comes,
 * statusDefault 'online' (what the presence service falls back to), `settings: {}` as
 * saveNewUser sets it, `type: 'user'`, `services: {}` because there is no password.
 */
export function newRocketChatUser(user: SiteUser, roles: string[], now: Date): RocketChatUser {
  return {
    _id: meteorRandomId(),
    createdAt: now,
    _updatedAt: now,
    username: user.username,
    emails: [{ address: user.email, verified: user.email_verified }],
    name: user.name || user.username,
    active: true,
    roles: [...roles],
    type: 'user',
    status: 'offline',
    statusDefault: 'online',
    statusConnection: 'offline',
    settings: {},
    services: {},
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000;
}

/** Everything the driver throws becomes a TokenError the API URL can answer with. */
function asTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof MongoDeadlineError) return new TokenError('unavailable', 'mongodb_timeout');
  if (isMongoUnavailable(error)) return new TokenError('unavailable', 'mongodb_unreachable');
  return new TokenError('unavailable', 'mongodb_error');
}

export function createMongoTokenIssuer(options: { db: Db; autoCreate: boolean; defaultRoles: string[] }): TokenIssuer {
  const users: Collection<RocketChatUser> = options.db.collection<RocketChatUser>('users');

  /**
   * Username exactly as Rocket.Chat stores it, then a VERIFIED email — and the email path only
   * when the site vouches for the address too: otherwise anyone who can type a victim's address
   * into the site's sign-up form would be logged in as the victim.
   */
  async function findAccount(user: SiteUser): Promise<Account | undefined> {
    const byUsername = await users.findOne({ username: user.username }, { projection: ACCOUNT_PROJECTION });
    if (byUsername) return byUsername;
    if (!user.email_verified) return undefined;
    const byEmail = await users.findOne(
      { emails: { $elemMatch: { address: user.email, verified: true } } },
      { projection: ACCOUNT_PROJECTION },
    );
    return byEmail ?? undefined;
  }

  async function createAccount(user: SiteUser): Promise<Account> {
    // Rocket.Chat treats usernames as taken case-insensitively, but its unique index is exact:
    // "Alice" next to "alice" would be two accounts Rocket.Chat believes cannot coexist.
    const lookalike = await users.findOne(
      { username: { $regex: `^${escapeRegExp(user.username)}$`, $options: 'i' } },
      { projection: ACCOUNT_PROJECTION },
    );
    // The exact name means a concurrent login created the account since our first lookup.
    if (lookalike?.username === user.username) return lookalike;
    if (lookalike) throw new TokenError('denied', 'username_taken');
    const record = newRocketChatUser(user, options.defaultRoles, new Date());
    try {
      await users.insertOne(record);
      return { _id: record._id, username: record.username, active: record.active, type: record.type };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another login of the same new user won the race (unique index on username): use its account.
      const winner = await findAccount(user);
      if (winner) return winner;
      // The duplicate was something else, e.g. the address on an account we may not take over.
      throw new TokenError('denied', error.keyPattern && 'username' in error.keyPattern ? 'username_taken' : 'email_taken');
    }
  }

  async function issue(user: SiteUser): Promise<{ token: string }> {
    try {
      // One bound for the whole step: a server that stops answering is a 503 in seconds, not a hang.
      return await withDeadline(() => issueToken(user));
    } catch (error) {
      throw asTokenError(error);
    }
  }

  /** The lookups and the write of one login; `issue` bounds and translates its errors. */
  async function issueToken(user: SiteUser): Promise<{ token: string }> {
    let account = await findAccount(user);
    if (!account) {
      if (!options.autoCreate) throw new TokenError('denied', 'user_not_found');
      account = await createAccount(user);
    }
    if (account.active !== true) throw new TokenError('denied', 'user_deactivated');
    // Bots, apps and livechat visitors live in the same collection; never log in as one of them.
    if (account.type !== 'user') throw new TokenError('denied', 'not_a_user');
    const token = newIframeToken();
    // `active: true` in the filter: an admin deactivating the user meanwhile wins over this login.
    const result = await users.updateOne(
      { _id: account._id, active: true },
      { $set: { 'services.iframe.token': token, _updatedAt: new Date() } },
    );
    if (result.matchedCount !== 1) throw new TokenError('denied', 'user_deactivated');
    return { token };
  }

  /**
   * Logout: the iframe token goes, and so do the user's login sessions (`services.resume`
   * tokens that carry `when`), the same set Rocket.Chat's own "log out other clients" pulls.
   * Unsetting the iframe token alone would log nobody out: the browser already holds a resume
   * token, so the site logout would leave Rocket.Chat open (Rocket.Chat issue #15788), unlike
   * App mode, whose `logout` calls `users.logout`. Personal access tokens (no `when`) stay:
   * they belong to integrations, not to a browser session.
   */
  async function revoke(user: SiteUser): Promise<void> {
    try {
      await withDeadline(async () => {
        const account = await findAccount(user);
        if (!account) return;
        await users.updateOne(
          { _id: account._id },
          {
            $unset: { 'services.iframe.token': 1 },
            $pull: { 'services.resume.loginTokens': { when: { $exists: true } } },
            $set: { _updatedAt: new Date() },
          },
        );
      });
    } catch (error) {
      throw asTokenError(error);
    }
  }

  return {
    mode: 'mongo',
    issue,
    revoke,
    ready: () => pingMongo(options.db),
    // The MongoClient belongs to whoever called connectMongo (closed in the app's onClose).
    close: async () => undefined,
  };
}
