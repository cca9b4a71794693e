/**
 * MongoDB mode: the companion writes `services.iframe.token` on the user's record in
 * Rocket.Chat's own `users` collection, and the API URL answers `{"token"}`; Rocket.Chat's
 * `iframe` login handler then finds the user by that value (docs/rocketchat.md).
 *
 * What this module writes must look exactly like a user Rocket.Chat created itself, because
 * Rocket.Chat reads these records everywhere (presence, permissions, the admin UI).
 *
 * Whose account it is follows the rule both token modes share (app/contract/accounts.ts): the
 * account linked to the site user (`services.iframeBridge = {issuer, sub}`, written when this
 * module creates or adopts it) is theirs; an account never linked is adopted only when it holds,
 * verified in Rocket.Chat, the email the site vouches for, and its username matches (or, with
 * MONGO_MATCH_BY_VERIFIED_EMAIL, it was found by that email alone). Anyone else holding the
 * username or the address is a different person: `username_taken` / `email_taken`, and nothing
 * is written on their account.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { decideAccount, type AccountLink } from '../../../app/contract/accounts';
import type { SiteUser } from '../../identity/types';
import { isMongoUnavailable, MongoDeadlineError, pingMongo, withDeadline } from '../../mongo';
import { TokenError, type TokenIssuer } from '../issuer';

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

/**
 * Which site user an account belongs to, on the account itself (`services.iframeBridge`).
 * The issuer (ASSERTION_ISSUER, default the PUBLIC_URL origin) keeps two sites sharing one
 * Rocket.Chat from meeting on the same `sub`. Rocket.Chat ignores service keys it does not know.
 */
export interface BridgeLink {
  issuer: string;
  sub: string;
}
export const LINK_FIELD = 'services.iframeBridge';

type Account = Pick<RocketChatUser, '_id' | 'username' | 'active' | 'type'> & {
  emails?: RocketChatUser['emails'];
  services?: { iframeBridge?: Partial<BridgeLink> | null };
};
const ACCOUNT_PROJECTION = { _id: 1, username: 1, active: 1, type: 1, emails: 1, [LINK_FIELD]: 1 } as const;

/** What the companion's MongoDB mode needs besides the database. */
export interface MongoTokenOptions {
  db: Db;
  autoCreate: boolean;
  defaultRoles: string[];
  siteIssuer: string;
  /** MONGO_MATCH_BY_VERIFIED_EMAIL: adopt an unlinked account found by its (doubly) verified email alone. */
  matchByVerifiedEmail?: boolean;
}

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
 * saveNewUser sets it, `type: 'user'`, and in `services` no password, only our link: it is
 * born belonging to the site user, so no later login of someone else can adopt it.
 */
export function newRocketChatUser(user: SiteUser, roles: string[], now: Date, link: BridgeLink): RocketChatUser {
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
    services: { iframeBridge: { issuer: link.issuer, sub: link.sub } },
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

export function createMongoTokenIssuer(options: MongoTokenOptions): TokenIssuer {
  const users: Collection<RocketChatUser> = options.db.collection<RocketChatUser>('users');
  const linkFor = (user: SiteUser): BridgeLink => ({ issuer: options.siteIssuer, sub: user.sub });

  function isLinkedTo(account: Account, user: SiteUser): boolean {
    const link = account.services?.iframeBridge;
    return link?.issuer === options.siteIssuer && link.sub === user.sub;
  }

  /** The shared rule, fed with the link this account carries (any other issuer's counts as another user). */
  function mayHave(account: Account, user: SiteUser, foundBy: 'username' | 'email'): boolean {
    const link: AccountLink = isLinkedTo(account, user) ? 'this_user' : account.services?.iframeBridge !== undefined ? 'another_user' : 'none';
    const policy = { matchByVerifiedEmail: options.matchByVerifiedEmail === true };
    return decideAccount({ username: account.username, emails: account.emails ?? [], link }, user, foundBy, policy).adopt;
  }

  /**
   * The one account holding this address, spelled as given or lower-cased (Rocket.Chat's unique
   * index on `emails.address` serves both); none when two accounts hold its spellings.
   */
  async function byEmail(email: string): Promise<Account | undefined> {
    const found = await users.find({ 'emails.address': { $in: [...new Set([email, email.toLowerCase()])] } }, { projection: ACCOUNT_PROJECTION, limit: 2 }).toArray();
    return found.length === 1 ? found[0] : undefined;
  }

  /** The holder of exactly this username: one indexed read (Rocket.Chat's unique index). */
  async function byUsername(username: string): Promise<Account | undefined> {
    return (await users.findOne({ username }, { projection: ACCOUNT_PROJECTION })) ?? undefined;
  }

  /**
   * The holder of a username whatever its case. Rocket.Chat treats usernames as taken
   * case-insensitively though its unique index is exact: "Alice" holds "alice", so "Alice" is
   * the one to judge, and a lookalike "alice" must never be created beside it.
   */
  async function holderOf(username: string): Promise<Account | undefined> {
    const anyCase = { username: { $regex: `^${escapeRegExp(username)}$`, $options: 'i' } };
    return (await byUsername(username)) ?? (await users.findOne(anyCase, { projection: ACCOUNT_PROJECTION })) ?? undefined;
  }

  /**
   * The account linked to this site user. The holder of its username usually is it (no extra
   * read); otherwise the link is looked up itself, which finds the account after the username
   * changed on the site, or one a concurrent first login of this user just created. No index
   * covers the link (Rocket.Chat has none there): this read runs only on a first login, after a
   * rename, and on logout of a user who has no account.
   */
  async function findLinked(user: SiteUser, holder: Account | undefined): Promise<Account | undefined> {
    if (holder && isLinkedTo(holder, user)) return holder;
    const { issuer, sub } = linkFor(user);
    return (await users.findOne({ [`${LINK_FIELD}.issuer`]: issuer, [`${LINK_FIELD}.sub`]: sub }, { projection: ACCOUNT_PROJECTION })) ?? undefined;
  }

  async function createAccount(user: SiteUser): Promise<Account> {
    const record = newRocketChatUser(user, options.defaultRoles, new Date(), linkFor(user));
    try {
      await users.insertOne(record);
      return { _id: record._id, username: record.username, active: record.active, type: record.type };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another login of the same new user won the race (unique index on username): its account carries our link.
      const winner = await findLinked(user, undefined);
      if (winner) return winner;
      // Somebody else's: the username (created meanwhile) or the address on an account we may not take.
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
    const holder = await holderOf(user.username);
    let account = await findLinked(user, holder);
    let adopting = false;
    if (!account && holder) {
      // Never write on a different person's account, whoever they are (the admin included).
      if (!mayHave(holder, user, 'username')) throw new TokenError('denied', 'username_taken');
      account = holder;
      adopting = true;
    }
    if (!account && options.matchByVerifiedEmail && user.email_verified) {
      const owner = await byEmail(user.email);
      if (owner && mayHave(owner, user, 'email')) {
        account = owner;
        adopting = true;
      }
    }
    if (!account) {
      if (!options.autoCreate) throw new TokenError('denied', 'user_not_found');
      account = await createAccount(user);
    }
    if (account.active !== true) throw new TokenError('denied', 'user_deactivated');
    // Bots, apps and livechat visitors live in the same collection; never log in as one of them.
    if (account.type !== 'user') throw new TokenError('denied', 'not_a_user');
    const token = newIframeToken();
    // `active: true` in the filter: an admin deactivating the user meanwhile wins over this login.
    // Adopting links the account in the same write, and only if nobody linked it meanwhile.
    const result = await users.updateOne(
      { _id: account._id, active: true, ...(adopting ? { [LINK_FIELD]: { $exists: false } } : {}) },
      { $set: { 'services.iframe.token': token, _updatedAt: new Date(), ...(adopting ? { [LINK_FIELD]: linkFor(user) } : {}) } },
    );
    if (result.matchedCount !== 1) {
      // Deactivated meanwhile or, when adopting, linked to another site user meanwhile.
      const now = await users.findOne({ _id: account._id }, { projection: ACCOUNT_PROJECTION });
      throw new TokenError('denied', adopting && now?.active === true ? 'username_taken' : 'user_deactivated');
    }
    return { token };
  }

  /**
   * Logout: the iframe token goes, and so do the user's login sessions (`services.resume`
   * tokens that carry `when`), the same set Rocket.Chat's own "log out other clients" pulls.
   * Unsetting the iframe token alone would log nobody out: the browser already holds a resume
   * token, so the site logout would leave Rocket.Chat open (https://github.com/RocketChat/Rocket.Chat/issues/15788), unlike
   * App mode, whose `logout` calls `users.logout`. Personal access tokens (no `when`) stay:
   * they belong to integrations, not to a browser session.
   *
   * Only the account linked to the site user: a logout must never end the sessions of whoever
   * else holds the username. An account not linked yet is left alone (its next login links it).
   */
  async function revoke(user: SiteUser): Promise<void> {
    try {
      await withDeadline(async () => {
        const account = await findLinked(user, await byUsername(user.username));
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
