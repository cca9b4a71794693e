/**
 * The whole product on localhost, wired as an operator would wire it: the Rocket.Chat stand-in
 * (REST + web client page) on one origin, our packaged App inside the real Apps-Engine runtime
 * behind the stand-in's `/api/apps` routes, and the companion on another origin.
 * Used by the browser suites, the benchmark and `npm run demo` — one wiring, no copies.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document } from 'bson';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../service/app';
import { loadConfig, type Config } from '../service/config';
import { connectMongo } from '../service/mongo';
import { createFileUserStore } from '../service/users/file-store';
import { createMongoUserStore } from '../service/users/mongo-store';
import { hashPassword } from '../service/users/password';
import type { LocalUser, UserStore } from '../service/users/types';
import { startEngine, type EngineHost, type StepRunner, type UserDocument } from './engine';
import { createFakeDatabase } from './mongo/fake-database';
import { startWireServer, type WireServer } from './mongo/wire-server';
import { startRocketChat, type RocketChatOptions, type RocketChatStandIn, type StoredUser } from './rocketchat';

export interface StackUser {
  username: string;
  password: string;
  email: string;
  name: string;
}

export interface StackOptions {
  /**
   * `app` (default): assertions to the App. `mongo`: the companion writes `services.iframe.token`
   * through the MongoDB driver into a wire-protocol stand-in whose `users` collection is the
   * Rocket.Chat stand-in's own, so Rocket.Chat's iframe login handler sees what was written.
   * `password`: the companion logs in through the stand-in's /api/v1/login with the user's own
   * password; give the site user a Rocket.Chat account with the same password (`rocketChat.createUser`).
   */
  tokenMode?: 'app' | 'mongo' | 'password';
  /** Stand-in options (password mode: `registration`, `rateLimit`; the bench: `createToken`). */
  rocketChatOptions?: Pick<RocketChatOptions, 'registration' | 'rateLimit' | 'createToken'>;
  /** Fixed ports (the demo); random free ports otherwise. */
  rocketChatPort?: number;
  companionPort?: number;
  /** Extra or overriding companion environment. */
  companionEnv?: Record<string, string>;
  /** Extra or overriding App settings. */
  appSettings?: Record<string, unknown>;
  /** API Method setting of the stand-in's iframe login, and whether it sends the 7.x Content-Type. */
  apiMethod?: 'POST' | 'GET';
  sendContentType?: boolean;
  /** Where pino writes (tests capture it); silent by default. */
  logStream?: NodeJS.WritableStream;
  logLevel?: string;
  /** Runs each slow step of the start under a label (the demo prints them with their timings). */
  step?: StepRunner;
  /**
   * Where the companion's users' file goes; the caller removes it. Default: a temporary folder
   * the stack makes and close() removes.
   */
  dataDir?: string;
}

export interface Stack {
  rocketChat: RocketChatStandIn;
  engine: EngineHost;
  companion: FastifyInstance;
  companionUrl: string;
  /** The companion's validated configuration (what `npm run doctor` reads from the same environment). */
  companionConfig: Config;
  /** A site user of the companion's `local` source, with no Rocket.Chat account yet. */
  user: StackUser;
  /** The folder of the companion's users' file (`options.dataDir`, or a temporary one close() removes). */
  dataDir: string;
  addSiteUser(user: StackUser): Promise<void>;
  close(): Promise<void>;
}

const CREATE_TOKEN_SECRET = randomBytes(24).toString('hex');

/** The stored record of a site user of the `local` source (the password hashed as the companion does). */
export async function siteUserRecord(user: StackUser): Promise<LocalUser> {
  return {
    sub: `site-${user.username}`,
    username: user.username,
    email: user.email,
    email_verified: true,
    name: user.name,
    passwordHash: await hashPassword(user.password),
    disabled: false,
    createdAt: new Date().toISOString(),
  };
}

/** A free loopback port: PUBLIC_URL must name it before the companion is built (its CSRF check compares Origin with it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Rocket.Chat's database for MongoDB mode: a wire stand-in sharing the stand-in's users. */
function startDatabase(users: StoredUser[]): Promise<WireServer> {
  const database = createFakeDatabase();
  database.collections.set('users', users as unknown as Document[]);
  return startWireServer(database.handler);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const step = options.step ?? ((_label, work) => work());
  // What has started so far, undone in reverse order by close() or when a later step fails, so
  // that a failed start leaves neither a listening socket, a Deno process nor a file behind.
  const undo: Array<() => Promise<void> | void> = [];
  const closeAll = async (): Promise<void> => {
    for (const action of undo.splice(0).reverse()) await action();
  };
  try {
    return await start(options, step, undo, closeAll);
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

async function start(options: StackOptions, step: StepRunner, undo: Array<() => Promise<void> | void>, closeAll: () => Promise<void>): Promise<Stack> {
  const tokenMode = options.tokenMode ?? 'app';
  const users: StoredUser[] = [];
  const database = tokenMode === 'mongo' ? await startDatabase(users) : undefined;
  if (database) undo.push(() => database.close());
  const rocketChat = await step('Rocket.Chat stand-in', () =>
    startRocketChat({
      port: options.rocketChatPort,
      createToken: { mode: '8.x', secret: CREATE_TOKEN_SECRET },
      usersCollection: users,
      ...options.rocketChatOptions,
    }),
  );
  undo.push(() => rocketChat.close());
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The companion is on `localhost`, Rocket.Chat on `127.0.0.1`: two sites, as in a cross-site deployment.
  const companionPort = options.companionPort || (await freePort());
  const companionUrl = `http://localhost:${companionPort}`;
  const issuer = companionUrl;
  const audience = rocketChat.url;

  const engine = await startEngine({
    serverSettings: { Site_Url: rocketChat.url },
    // The App's user reader answers from the stand-in's own users, as Rocket.Chat's from its database.
    usersCollection: users,
    settings: {
      assertion_algorithms: 'EdDSA',
      assertion_public_keys: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      assertion_issuer: issuer,
      assertion_audience: audience,
      rc_admin_user_id: rocketChat.admin.userId,
      rc_admin_token: rocketChat.admin.token,
      rc_create_token_secret: CREATE_TOKEN_SECRET,
      rc_rest_url: rocketChat.url,
      ...options.appSettings,
    },
    step,
  });
  undo.push(() => engine.close());
  rocketChat.setApps((req, res) => engine.handleHttp(req, res));
  // The web client's logoutCleanUp raises IPostUserLoggedOut with the user it sends.
  rocketChat.setAppsEvents(async (event, user) => {
    await engine.fireUserEvent(event, user as unknown as UserDocument);
  });

  // The local users' file (password hashes) lives only as long as the stack.
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'iframe-bridge-stack-'));
  if (!options.dataDir) undo.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const usersFile = join(dataDir, 'users.json');
  const config = loadConfig({
    ROCKETCHAT_URL: rocketChat.url,
    PUBLIC_URL: companionUrl,
    PORT: String(companionPort),
    HOST: '127.0.0.1',
    TOKEN_MODE: tokenMode,
    ...(database ? { MONGODB_URL: database.url('rocketchat') } : {}),
    APP_LOGIN_URL: `${rocketChat.url}/api/apps/public/${engine.appId}/login`,
    ASSERTION_ISSUER: issuer,
    ASSERTION_AUDIENCE: audience,
    ASSERTION_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    IDENTITY_SOURCE: 'local',
    LOCAL_USERS_FILE: usersFile,
    LOG_LEVEL: options.logLevel ?? 'silent',
    ...options.companionEnv,
  });
  // The companion keeps local users in MongoDB when it has one, else in its file.
  const mongo = database ? await connectMongo(database.url('rocketchat')) : undefined;
  if (mongo) undo.push(() => mongo.client.close());
  const store: UserStore = mongo ? createMongoUserStore(mongo.db) : createFileUserStore(usersFile);
  undo.push(() => store.close());
  // Started last, so closed first: no request reaches a closed store.
  const companion = await step(`companion on ${companionUrl}`, async () => {
    const app = await buildApp({ config, logStream: options.logStream });
    undo.push(() => app.close());
    await app.listen({ port: companionPort, host: '127.0.0.1' });
    return app;
  });

  rocketChat.setIframe({
    enabled: true,
    url: `${companionUrl}/login`,
    apiUrl: `${companionUrl}/api/session`,
    apiMethod: options.apiMethod ?? 'POST',
    sendContentType: options.sendContentType ?? false,
  });

  const addSiteUser = async (user: StackUser): Promise<void> => {
    await store.add(await siteUserRecord(user));
  };
  const user: StackUser = { username: 'alice', password: 'correct horse battery', email: 'alice@example.com', name: 'Alice Example' };
  await step(`site user ${user.username}`, () => addSiteUser(user));

  return {
    rocketChat,
    engine,
    companion,
    companionUrl,
    companionConfig: config,
    dataDir,
    user,
    addSiteUser,
    close: closeAll,
  };
}
