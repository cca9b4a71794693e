/**
 * The measured side, in its own process (forked by bench/harness.ts): the whole product from
 * startStack (Rocket.Chat stand-in, our App in the real Apps-Engine, the companion), a bare
 * Fastify route (row 1) and a twin companion whose App is the stand-in process (row 3).
 * Reads its settings from BENCH_TARGET (JSON, see TargetSettings).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { findSourceMap } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../service/app';
import { loadConfig } from '../service/config';
import { connectConfiguredMongo, createUserStore } from '../service/dependencies';
import { CredentialReply } from '../service/schemas/api-session';
import { createFileUserStore } from '../service/users/file-store';
import { packageTestApp, TEST_APP_ID } from '../devstack/engine';
import { freePort, siteUserRecord, startStack } from '../devstack/stack';
import { serveParent } from './ipc';

export interface TargetSettings {
  /** PKCS#8 PEM of the twin companion's key; the stand-in holds the public half. */
  twinPrivateKey: string;
  twinIssuer: string;
  twinAudience: string;
  standInLoginUrl: string;
  /** The MongoDB wire stand-in (bench/mongo-process.ts) the row-2m companion uses as MONGODB_URL. */
  mongoUrl: string;
  /** Companion env the bench overrides (the raised rate limits, the assertion lifetime). */
  companionEnv: Record<string, string>;
  /** App settings the bench overrides (the clock skew). */
  appSettings: Record<string, unknown>;
}

export interface TargetReady {
  rocketChatUrl: string;
  companionUrl: string;
  twinUrl: string;
  /** The twin again, with MONGODB_URL (users, revocation list) on the wire stand-in: row 2m. */
  mongoCompanionUrl: string;
  bareUrl: string;
  /** The bare route sending row 2's headers too (row 1h). */
  bareHeadersUrl: string;
  appId: string;
  testAppId: string;
  user: { username: string; password: string; email: string; name: string };
  /** What row 4 needs to sign assertions the App accepts, as the companion would. */
  assertion: { privateKey: string; issuer: string; audience: string };
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  /**
   * The App's records in the engine host's persistence (spent jti not expired yet, and links).
   * In production they are in Rocket.Chat's MongoDB; here they are in this heap.
   */
  appRecords: number;
}

interface Profile {
  nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[];
}

/**
 * tsx runs esbuild's output, whose positions say little (whole modules sit on line 2); the
 * source maps it registers give the TypeScript line, which is what the findings cite.
 */
function toSourceLines(profile: Profile): void {
  for (const { callFrame } of profile.nodes) {
    if (!callFrame.url.startsWith('file://') || callFrame.url.includes('/node_modules/')) continue;
    const entry = findSourceMap(callFrame.url)?.findEntry(callFrame.lineNumber, callFrame.columnNumber);
    if (entry && 'originalLine' in entry) callFrame.lineNumber = entry.originalLine;
  }
}

/** What row 2 answers, given once the bench has logged in: its body, and its headers for row 1h. */
interface BareAnswer {
  body: unknown;
  headers: Record<string, string>;
}

async function listenBare(answer: BareAnswer) {
  // The ceiling: no logger, no plugins, but a response schema like the real route's.
  const bare = Fastify({ logger: false });
  const schema = { response: { 200: CredentialReply } };
  bare.post('/bare', { schema }, async () => answer.body);
  // Row 1h: the same, with row 2's headers as one precomputed set (Fastify's cheapest way).
  bare.post('/bare-headers', { schema }, async (_request, reply) => {
    reply.headers(answer.headers);
    return answer.body;
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return bare;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_TARGET ?? '{}') as TargetSettings;
  // The stack's key and config stay inside the companion's encapsulated plugins, so the bench
  // brings its own key (companion env + App setting, both documented overrides) and knows it.
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Rows 4ms and 4rs make the test App do one call of the login's kind; the users.createToken
  // secret is the bench's, given to the Rocket.Chat stand-in and the App alike.
  const createTokenSecret = randomBytes(24).toString('hex');
  const stack = await startStack({
    companionEnv: { ...settings.companionEnv, ASSERTION_PRIVATE_KEY: privatePem },
    rocketChatOptions: { createToken: { mode: '8.x', secret: createTokenSecret } },
    appSettings: { ...settings.appSettings, assertion_public_keys: publicKey.export({ type: 'spki', format: 'pem' }).toString(), rc_create_token_secret: createTokenSecret },
  });
  const testAppId = await stack.engine.install(await packageTestApp());
  if (testAppId !== TEST_APP_ID) throw new Error(`test App installed as ${testAppId}`);

  const bareAnswer: BareAnswer = { body: { loginToken: 'x'.repeat(43) }, headers: {} };
  const bare = await listenBare(bareAnswer);

  // The twin's users file holds the same site user as the stack's.
  const dataDir = mkdtempSync(join(tmpdir(), 'iframe-bridge-bench-'));
  const usersFile = join(dataDir, 'users.json');
  const store = createFileUserStore(usersFile);
  const { user } = stack;
  await store.add(await siteUserRecord(user));
  await store.close();
  // The twins' configuration: as startStack configures its companion, but for the App (the
  // stand-in process) and the key; each on a port of its own.
  const twinEnv = (port: number, more: Record<string, string>) => ({
    ROCKETCHAT_URL: stack.rocketChat.url,
    PUBLIC_URL: `http://localhost:${port}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    TOKEN_MODE: 'app',
    APP_LOGIN_URL: settings.standInLoginUrl,
    ASSERTION_PRIVATE_KEY: settings.twinPrivateKey,
    ASSERTION_ISSUER: settings.twinIssuer,
    ASSERTION_AUDIENCE: settings.twinAudience,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    IDENTITY_SOURCE: 'local',
    LOG_LEVEL: 'silent',
    ...more,
    ...settings.companionEnv,
  });
  const twinPort = await freePort();
  const twinConfig = loadConfig(twinEnv(twinPort, { LOCAL_USERS_FILE: usersFile }));
  const twin = await buildApp({ config: twinConfig });
  await twin.listen({ port: twinPort, host: '127.0.0.1' });

  // Row 2m: the twin's configuration with MONGODB_URL set, as replicas sharing MongoDB run it:
  // its users and its revocation list (mirrored in memory) in the wire stand-in's database.
  const mongoPort = await freePort();
  const mongoConfig = loadConfig(twinEnv(mongoPort, { MONGODB_URL: settings.mongoUrl }));
  const seeding = await connectConfiguredMongo(mongoConfig);
  if (!seeding) throw new Error('row 2m: MONGODB_URL not configured');
  await createUserStore(mongoConfig, seeding).add(await siteUserRecord(user));
  await seeding.close();
  const mongoCompanion = await buildApp({ config: mongoConfig });
  await mongoCompanion.listen({ port: mongoPort, host: '127.0.0.1' });

  const inspector = new Session();
  inspector.connect();
  // The callback API: @types/node 20.8 has no types for node:inspector/promises.
  const post = <T = unknown>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => inspector.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));

  const ready: TargetReady = {
    rocketChatUrl: stack.rocketChat.url,
    companionUrl: stack.companionUrl,
    twinUrl: `http://localhost:${twinPort}`,
    mongoCompanionUrl: `http://localhost:${mongoPort}`,
    bareUrl: `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/bare`,
    bareHeadersUrl: `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/bare-headers`,
    appId: stack.engine.appId,
    testAppId,
    user: stack.user,
    assertion: {
      // As startStack sets them: iss = the companion's URL, aud = Rocket.Chat's.
      privateKey: privatePem,
      issuer: stack.companionUrl,
      audience: stack.rocketChat.url,
    },
  };

  serveParent(
    ready,
    {
      /**
       * The test App's probe body that mints one login token for the stack's user exactly as our
       * App's login does (same route, headers and body), and nothing else. The user exists once
       * the bench's first login ran.
       */
      mintProbe: (): string => {
        const found = stack.rocketChat.findUser({ username: user.username });
        if (!found) throw new Error(`no Rocket.Chat user ${user.username} yet: log in first`);
        const { userId, token } = stack.rocketChat.admin;
        const headers = { 'X-User-Id': userId, 'X-Auth-Token': token, Accept: 'application/json', 'Content-Type': 'application/json' };
        const content = JSON.stringify({ userId: found._id, secret: createTokenSecret });
        return JSON.stringify({ op: 'http', method: 'post', url: `${stack.rocketChat.url}/api/v1/users.createToken`, options: { headers, content, timeout: 5000 } });
      },
      bareAnswer: (answer) => {
        Object.assign(bareAnswer, answer as BareAnswer);
        return null;
      },
      /** After a full GC: what the process keeps, not what it has not collected yet. */
      memory: (): MemorySample => {
        global.gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        return { rss, heapUsed, appRecords: stack.engine.persistence.records().length };
      },
      /**
       * The stand-ins' own request records would otherwise read as companion memory growth.
       * Returns the Rocket.Chat REST calls since the last time, by path (what an App login costs).
       */
      housekeeping: async (): Promise<Record<string, number>> => {
        // Spent jti past exp + skew can never be needed again: the App prunes them about once a
        // minute, 500 at most a pass. Rocket.Chat keeps them in MongoDB, not in any heap; here
        // they would read as growth from pass to pass, so the bench removes the expired ones.
        const now = Math.floor(Date.now() / 1000);
        for (const { id, data } of stack.engine.persistence.records()) {
          const { expiresAt } = data as { expiresAt?: unknown };
          if (typeof expiresAt === 'number' && expiresAt < now) await stack.engine.persistence.remove(id);
        }
        const calls: Record<string, number> = {};
        for (const { method, path } of stack.rocketChat.requests) {
          const key = `${method} ${path.replace(/^\/api\/apps\/public\/[^/]+\//, '/api/apps/public/<app>/')}`;
          calls[key] = (calls[key] ?? 0) + 1;
        }
        stack.rocketChat.requests.length = 0;
        stack.engine.clearLogs();
        return calls;
      },
      profileStart: async () => {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 250 });
        await post('Profiler.start');
        return null;
      },
      profileStop: async (file) => {
        const { profile } = await post<{ profile: Profile }>('Profiler.stop');
        toSourceLines(profile);
        writeFileSync(String(file), JSON.stringify(profile));
        return null;
      },
    },
    async () => {
      inspector.disconnect();
      await twin.close();
      await mongoCompanion.close();
      await bare.close();
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
