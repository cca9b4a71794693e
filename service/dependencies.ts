/**
 * Builds what the configuration selects: the identity source, the token issuer, the user
 * store and the revocation list. MongoDB-backed parts are loaded only when configured, so
 * a deployment without MongoDB never loads (or needs) them.
 */
import type { Db } from 'mongodb';
import type { Config } from './config';
import { createLocalIdentity } from './identity/local';
import type { IdentitySource } from './identity/types';
import { createMemoryRevocationList } from './sessions/memory-revocation';
import type { RevocationList } from './sessions/types';
import { createAppTokenIssuer } from './modes/app/issuer';
import type { SocialLogin } from './social';
import type { LoginBlocks } from './modes/password/login-blocks';
import type { PasswordLogin } from './modes/password/login';
import type { RocketChatBudgets } from './modes/password/budget';
import type { TokenIssuer } from './modes/issuer';
import { createFileUserStore } from './users/file-store';
import type { UserStore } from './users/types';

export interface Dependencies {
  identity: IdentitySource;
  issuer: TokenIssuer;
  revocations: RevocationList;
  /** TOKEN_MODE=password only: the interactive login on our form (tokens/password.ts). */
  passwordLogin?: PasswordLogin;
  /** TOKEN_MODE=password only: Rocket.Chat's limits as this service spends them, for operators (/readyz, /metrics). */
  rocketChatLimits?: RocketChatLimits;
  /** SOCIAL_PROVIDERS set: provider replies verified and mapped to local users (social/). */
  social?: SocialLogin;
}

export interface RocketChatLimits {
  budgets: RocketChatBudgets;
  blocks: LoginBlocks;
}

/** Types only: the modules themselves are loaded when the configuration selects them. */
interface MongoModules {
  connect: typeof import('./mongo');
  issuer: typeof import('./modes/mongo/issuer');
  users: typeof import('./users/mongo-store');
  revocations: typeof import('./sessions/mongo-revocation');
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

/** Password mode's parts share one REST client; loaded only in that mode. */
interface PasswordMode {
  issuer: TokenIssuer;
  login: PasswordLogin;
  limits: RocketChatLimits;
}

function createPasswordMode(config: Config): PasswordMode | undefined {
  if (config.tokenMode !== 'password' || !config.password) return undefined;
  const { createRocketChatRest } = load<typeof import('./tokens/rocketchat-rest')>('./rocketchat/rest');
  const { createPasswordLogin } = load<typeof import('./tokens/password')>('./modes/password/login');
  const { createPasswordTokenIssuer } = load<typeof import('./tokens/password-issuer')>('./modes/password/issuer');
  const { RocketChatBudgets } = load<typeof import('./tokens/rocketchat-budget')>('./modes/password/budget');
  const { LoginBlocks } = load<typeof import('./tokens/login-blocks')>('./modes/password/login-blocks');
  const rest = createRocketChatRest(config.password);
  // One budget for the issuer's /me and the login's calls: they come from the same address.
  const limits = { budgets: new RocketChatBudgets(config.password.budget), blocks: new LoginBlocks(config.password.blockMinutes, Date.now) };
  return {
    issuer: createPasswordTokenIssuer(rest, { recheckSeconds: config.password.recheckSeconds, budgets: limits.budgets }),
    login: createPasswordLogin({ rest, register: config.password.register, ...limits }),
    limits,
  };
}

function createIdentity(config: Config, mongo: Connection | undefined, password: PasswordMode | undefined): IdentitySource {
  if (config.identitySource === 'rocketchat' && password) {
    const { createRocketChatIdentity } = load<typeof import('./identity/rocketchat')>('./modes/password/identity');
    return createRocketChatIdentity(() => password.issuer.ready());
  }
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

function createIssuer(config: Config, mongo: Connection | undefined, password: PasswordMode | undefined): TokenIssuer {
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
  return createIssuer(config, mongo, createPasswordMode(config));
}

/** The revocation list every replica shares when MONGODB_URL is set. */
export function createSharedRevocationList(mongo: Connection): RevocationList {
  return mongo.bounded(load<MongoModules['revocations']>('./sessions/mongo-revocation').createMongoRevocationList(mongo.db));
}

/** Everything the configuration selects, plus one `close` for all of it. */
export async function createDependencies(config: Config): Promise<Dependencies & { close(): Promise<void> }> {
  const mongo = await connectConfiguredMongo(config);
  const password = createPasswordMode(config);
  const identity = createIdentity(config, mongo, password);
  const issuer = createIssuer(config, mongo, password);
  const revocations = mongo ? createSharedRevocationList(mongo) : createMemoryRevocationList();
  return {
    identity,
    issuer,
    revocations,
    ...(password ? { passwordLogin: password.login, rocketChatLimits: password.limits } : {}),
    // Its own handle on the same users (the file store re-reads on change; MongoDB is shared).
    ...(config.social ? { social: load<typeof import('./social')>('./social').createSocialLogin(config.social, requestUserStore(config, mongo)) } : {}),
    async close() {
      await Promise.allSettled([identity.close(), issuer.close(), revocations.close()]);
      await mongo?.close();
    },
  };
}
