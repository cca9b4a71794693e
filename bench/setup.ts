/**
 * Brings up the measured processes and the state each row needs, the way a browser would get
 * it: real logins over HTTP, cookies read from Set-Cookie.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, type Child } from './ipc';
import { logIn, openLoginPage, send, loginRequest } from './http';
import type { MongoReady } from './mongo-process';
import type { StandInReady } from './stand-in-process';
import type { TargetReady, TargetSettings } from './target';

const ROOT = join(__dirname, '..');

/**
 * The companion's limits would answer 429 long before a benchmark is done; they are raised
 * (the API URL's mint limits turned off: row 3 mints for one user on every request) here, on
 * purpose, and the output says so. The lockout stays on, its threshold raised: only successful
 * logins are sent, but the checks under way count toward it too, and row 5b's 50 connections sign
 * one account in at once (by default five run and the rest wait up to a second for a place).
 */
export const RAISED_LIMITS = { API_RATE_LIMIT_PER_MINUTE: '0', API_MINTS_PER_USER_PER_MINUTE: '0', LOGIN_RATE_LIMIT_PER_MINUTE: '100000', LOCKOUT_THRESHOLD: '1000' };

/**
 * A spent jti stays in the App's storage until its assertion's exp + the clock skew: in
 * production that is Rocket.Chat's MongoDB, here the measured process's heap, where a minute
 * of logins reads as memory growth that is not the product's. So the bench's assertions live
 * 5 s and the App allows 5 s of skew (both documented settings), and the output says so.
 */
export const SHORT_LIVED_ASSERTIONS = { ASSERTION_LIFETIME_SECONDS: '5', clock_skew_seconds: '5' };

export interface Setup {
  target: Child<TargetReady>;
  standIn: Child<StandInReady>;
  /** The MongoDB wire stand-in's process (row 2m's MONGODB_URL). */
  mongo: Child<MongoReady>;
  /** Row 2: the session cookie of one real login, its Rocket.Chat token held. */
  heldSession: string;
  /** Row 2m: the same on the companion with MONGODB_URL set. */
  mongoHeldSession: string;
  /** Row 3: a real session of the twin companion without a token (see issueLessSession). */
  fetchSession: string;
  /** Row 5: the login form's request, reusable. */
  loginForm: { headers: Record<string, string>; body: string };
  credentialBody: string;
  close(): Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The engine runs the packaged zip; packaging takes ~20 s, so the bench asks rather than repackages. */
export function checkAppPackage(): void {
  const dist = join(ROOT, 'dist');
  const zip = existsSync(dist) ? readdirSync(dist).find((name) => name.endsWith('.zip')) : undefined;
  if (!zip) throw new Error('no packaged App in dist/: run `npm run package:app` first');
  if (newestMtime(join(ROOT, 'app')) > statSync(join(dist, zip)).mtimeMs) {
    console.warn(`warning: app/ changed after dist/${zip} was built; row 4 measures the older App (npm run package:app)`);
  }
}

/**
 * Row 3 needs a logged-in session that holds no Rocket.Chat token, so that every API call must
 * fetch one. The product makes exactly that state itself: when the App refuses at login time,
 * the site login still stands and the session is written without a token ("the API URL retries
 * with it later"). So: one real login while the stand-in answers 502, then heal the stand-in.
 * The companion re-writes the cookie after each fetch, but the load generator keeps sending the
 * token-less one, so every request fetches — which the bench checks by counting the stand-in's logins.
 */
async function issueLessSession(ready: TargetReady, standIn: Child<StandInReady>): Promise<string> {
  await standIn.call('fail', 502);
  const session = await logIn(ready.twinUrl, ready.user, 503);
  await standIn.call('fail', null);
  return session;
}

export async function setUp(options: { profileDir?: string } = {}): Promise<Setup> {
  checkAppPackage();
  const twinKey = generateKeyPairSync('ed25519');
  const twinIssuer = 'bench-twin-companion';
  const twinAudience = 'bench-app-stand-in';
  const publicPem = twinKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const standIn = await startChild<StandInReady>(join(__dirname, 'stand-in-process.ts'), {
    args: [Buffer.from(publicPem).toString('base64'), twinIssuer, twinAudience],
  });
  let mongo: Child<MongoReady>;
  try {
    mongo = await startChild<MongoReady>(join(__dirname, 'mongo-process.ts'));
  } catch (error) {
    await standIn.stop();
    throw error;
  }
  const settings: TargetSettings = {
    twinPrivateKey: twinKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    twinIssuer,
    twinAudience,
    standInLoginUrl: `${standIn.ready.url}login`,
    mongoUrl: mongo.ready.url,
    companionEnv: { ...RAISED_LIMITS, ASSERTION_LIFETIME_SECONDS: SHORT_LIVED_ASSERTIONS.ASSERTION_LIFETIME_SECONDS },
    appSettings: { clock_skew_seconds: Number(SHORT_LIVED_ASSERTIONS.clock_skew_seconds) },
  };
  let target: Child<TargetReady>;
  try {
    const profileFlags = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    target = await startChild<TargetReady>(join(__dirname, 'target.ts'), {
      nodeFlags: ['--expose-gc', ...profileFlags],
      // NODE_ENV=production: @fastify/view caches compiled templates, as deployed.
      env: { BENCH_TARGET: JSON.stringify(settings), NODE_ENV: 'production' },
    });
  } catch (error) {
    await standIn.stop();
    await mongo.stop();
    throw error;
  }
  const ready = target.ready;
  const close = async () => {
    await target.stop();
    await standIn.stop();
    await mongo.stop();
  };
  try {
    const heldSession = await logIn(ready.companionUrl, ready.user);
    const api = { method: 'POST', headers: { cookie: heldSession, origin: ready.rocketChatUrl } };
    const first = await send(`${ready.companionUrl}/api/session`, api);
    if (first.status !== 200) throw new Error(`POST /api/session with the held session: ${first.status}`);
    // Row 1 answers row 2's body byte for byte; row 1h its headers too (those Node or Fastify set themselves aside).
    const own = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'transfer-encoding']);
    const headers = Object.fromEntries(Object.entries(first.headers).filter(([name]) => !own.has(name)).map(([name, value]) => [name, String(value)]));
    await target.call('bareAnswer', { body: JSON.parse(first.body), headers });

    // Row 2m: one real login on the companion with MONGODB_URL, its token from the App stand-in.
    const mongoHeldSession = await logIn(ready.mongoCompanionUrl, ready.user);
    const mongoFirst = await send(`${ready.mongoCompanionUrl}/api/session`, { method: 'POST', headers: { cookie: mongoHeldSession, origin: ready.rocketChatUrl } });
    if (mongoFirst.status !== 200) throw new Error(`POST /api/session with MONGODB_URL, held session: ${mongoFirst.status}`);

    const fetchSession = await issueLessSession(ready, standIn);
    const form = await openLoginPage(ready.companionUrl);
    return { target, standIn, mongo, heldSession, mongoHeldSession, fetchSession, loginForm: loginRequest(ready.companionUrl, form, ready.user), credentialBody: first.body, close };
  } catch (error) {
    await close();
    throw error;
  }
}
