/**
 * Builds what the configuration selects: the identity source, the token issuer, the user
 * store, the revocation list and the state stores (lockout, pending logins, limits). MongoDB-backed parts are loaded only when configured, so
 * a deployment without MongoDB never loads (or needs) them.
 */
import type { Db } from 'mongodb';
import type { Config } from './config';
import { createLocalIdentity } from './identity/local';
import type { IdentitySource } from './identity/types';
import { createMemoryRevocationList } from './sessions/memory-revocation';
import { createRevocationMirror } from './sessions/revocation-mirror';
import type { RevocationList, SharedRevocationList } from './sessions/types';
import { createAppTokenIssuer } from './modes/app/issuer';
import type { TokenIssuer } from './modes/issuer';
import { createRocketChatIdentity } from './modes/password/identity';
import type { PasswordLogin } from './modes/password/login';
import { createPasswordParts, type PasswordParts, type RocketChatLimits } from './modes/password/parts';
import { MAX_PENDING_LOGINS, PendingLogins, type SealedLogin } from './modes/password/pending-logins';
import { createMemoryState } from './state/memory';
import type { StateStores } from './state/types';
import type { SocialLogin } from './social';
import { createFileUserStore } from './users/file-store';
import type { UserStore } from './users/types';

export interface Dependencies {
  identity: IdentitySource;
  issuer: TokenIssuer;
  revocations: RevocationList;
  /** Lockouts, pending two-factor logins and limits: this process's memory, or MongoDB shared by every replica. */
  state: StateStores;
  /** TOKEN_MODE=password only: the interactive login on our form (modes/password/login.ts). */
  passwordLogin?: PasswordLogin;
  /** TOKEN_MODE=password only: Rocket.Chat's limits as this service spends them, for operators (/readyz, /metrics). */
  rocketChatLimits?: RocketChatLimits;
  /** SOCIAL_PROVIDERS set: provider replies verified and mapped to local users (social/). */
  social?: SocialLogin;
}


export type { RocketChatLimits };

/** Types only: the modules themselves are loaded when the configuration selects them. */
interface MongoModules {
  connect: typeof import('./mongo');
  issuer: typeof import('./modes/mongo/issuer');
  users: typeof import('./users/mongo-store');
  revocations: typeof import('./sessions/mongo-revocation');
  state: typeof import('./state/mongo');
}

/** Loaded by path at run time only: these modules are optional for a given deployment. */
function load<T>(relativePath: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(relativePath) as T;
}

export interface Connection {
  db: Db;
  /** Bounds each method of a MongoDB-backed store (mongo.ts `bounded`): a 503 in seconds, never a hang. */
  bounded<T extends object>(store: T): T;
  close(): Promise<void>;
}

export async function connectConfiguredMongo(config: Pick<Config, 'mongo'>): Promise<Connection | undefined> {
  if (!config.mongo) return undefined;
  const { connectMongo, bounded } = load<MongoModules['connect']>('./mongo');
  const { client, db } = await connectMongo(config.mongo.url);
  return { db, bounded, close: () => client.close() };
}

export function createUserStore(config: Pick<Config, 'localUsersFile'>, mongo: Connection | undefined): UserStore {
  if (mongo) return load<MongoModules['users']>('./users/mongo-store').createMongoUserStore(mongo.db);
  return createFileUserStore(config.localUsersFile);
}

/** The user store requests use: in MongoDB, each call bounded (the CLI's store is not). */
function requestUserStore(config: Pick<Config, 'localUsersFile'>, mongo: Connection | undefined): UserStore {
  const store = createUserStore(config, mongo);
  return mongo ? mongo.bounded(store) : store;
}

function createPasswordMode(config: Config, state: StateStores): PasswordParts | undefined {
  if (config.tokenMode !== 'password' || !config.password) return undefined;
  const pending = new PendingLogins(state.records<SealedLogin>('pending-login', { maxEntries: MAX_PENDING_LOGINS }), config.session.secret);
  return createPasswordParts(config.password, pending);
}

function createIdentity(config: Config, mongo: Connection | undefined, password: PasswordParts | undefined): IdentitySource {
  if (config.identitySource === 'rocketchat' && password) return createRocketChatIdentity(() => password.issuer.ready());
  if (config.identitySource === 'forward' && config.forward) {
    const { createForwardIdentity } = load<typeof import('./identity/forward')>('./identity/forward');
    return createForwardIdentity(config.forward);
  }
  if (config.identitySource === 'jwt-cookie' && config.jwtCookie) {
    const { createJwtCookieIdentity } = load<typeof import('./identity/jwt-cookie')>('./identity/jwt-cookie');
    return createJwtCookieIdentity(config.jwtCookie);
  }
  return createLocalIdentity(requestUserStore(config, mongo));
}

function createIssuer(config: Config, mongo: Connection | undefined, password: PasswordParts | undefined): TokenIssuer {
  if (password) return password.issuer;
  if (config.tokenMode === 'mongo' && mongo && config.mongo) {
    return load<MongoModules['issuer']>('./modes/mongo/issuer').createMongoTokenIssuer({
      db: mongo.db,
      autoCreate: config.mongo.autoCreateUsers,
      defaultRoles: config.mongo.defaultRoles,
      matchByVerifiedEmail: config.mongo.matchByVerifiedEmail,
      // The site's name in the links written on accounts: the `iss` App mode would sign.
      siteIssuer: config.assertion.issuer,
    });
  }
  if (!config.app || !config.assertion.key) throw new Error('TOKEN_MODE=app without its settings (config should have refused this)');
  return createAppTokenIssuer({ ...config.app, ...config.assertion, key: config.assertion.key });
}

/** The configured token issuer on its own (the users CLI ends a user's Rocket.Chat logins with it). */
export function createTokenIssuer(config: Config, mongo: Connection | undefined): TokenIssuer {
  return createIssuer(config, mongo, createPasswordMode(config, createMemoryState()));
}

/** The revocation list every replica shares when MONGODB_URL is set (the users CLI writes to it directly). */
export function createSharedRevocationList(mongo: Connection): SharedRevocationList {
  return mongo.bounded(load<MongoModules['revocations']>('./sessions/mongo-revocation').createMongoRevocationList(mongo.db));
}

/**
 * The shared list as requests use it: mirrored in memory (sessions/revocation-mirror.ts), so the
 * API URL asks no database. Loaded in full before the first request, then kept in sync.
 */
async function mirroredRevocationList(mongo: Connection): Promise<RevocationList> {
  const mirror = createRevocationMirror(createSharedRevocationList(mongo));
  await mirror.start();
  return mirror;
}

/** What every replica shares when MONGODB_URL is set; otherwise this process's memory. */
export function createState(mongo: Connection | undefined): StateStores {
  return mongo ? load<MongoModules['state']>('./state/mongo').createMongoState(mongo.db) : createMemoryState();
}

/** Everything the configuration selects, plus one `close` for all of it. */
export async function createDependencies(config: Config): Promise<Dependencies & { close(): Promise<void> }> {
  const mongo = await connectConfiguredMongo(config);
  const state = createState(mongo);
  const password = createPasswordMode(config, state);
  const identity = createIdentity(config, mongo, password);
  const issuer = createIssuer(config, mongo, password);
  let revocations: RevocationList;
  try {
    revocations = mongo ? await mirroredRevocationList(mongo) : createMemoryRevocationList();
  } catch (error) {
    // The first load failed (start-up stops, as when MongoDB cannot be reached at all): close what was opened.
    await Promise.allSettled([identity.close(), issuer.close()]);
    await mongo?.close();
    throw error;
  }
  return {
    identity,
    issuer,
    revocations,
    state,
    ...(password ? { passwordLogin: password.login, rocketChatLimits: password.limits } : {}),
    // Its own handle on the same users (the file store re-reads on change; MongoDB is shared).
    ...(config.social ? { social: load<typeof import('./social')>('./social').createSocialLogin(config.social, requestUserStore(config, mongo)) } : {}),
    async close() {
      await Promise.allSettled([identity.close(), issuer.close(), revocations.close()]);
      await mongo?.close();
    },
  };
}
