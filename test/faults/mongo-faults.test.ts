/**
 * MongoDB mode with the database going away (wire-level stand-in: devstack/mongo). The
 * login form and the API URL answer 503 (never 200, never a hang) within 2 s, stopped or
 * frozen, and recover when the database is back. The race of two first
 * logins in this mode is proven in test/service/mongo/token-issuer.wire.test.ts
 * ("race: two first logins of the same new user at once yield exactly one account").
 *
 * Recovery is measured under traffic: a few loops call the API URL while the database restarts,
 * drops its connections or stops answering; each wait polls and has a bound, so a slow machine
 * makes a test slower, not red, unless the bound itself is missed. The API URL asks MongoDB
 * nothing itself: it checks sessions against this replica's mirror of the shared revocation
 * list (service/sessions/revocation-mirror.ts), whose sync loop is what meets the outage. So during
 * one it answers 200 from memory until the mirror has not synced for MIRROR_STALE_AFTER_MS, then
 * 503 at once (fail closed) — every answer still within the 2 s budget, and far inside it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createDependencies } from '../../service/dependencies';
import { loadConfig } from '../../service/config';
import { createLocalIdentity } from '../../service/identity/local';
import { baseEnv, cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, seededStore, startHarness, type Harness } from '../service/support/harness';
import { startWireHarness, type WireHarness } from '../support/mongo/harness';
import { MIRROR_INTERVAL_MS, MIRROR_STALE_AFTER_MS } from '../../service/sessions/revocation-mirror';

/** The longest one answer may take while the database is away, stopped or frozen. */
const BUDGET_MS = 2_000;
/** From the database being back to every API URL call answering 200 again (typically under 1 s). */
const RECOVERY_MS = 10_000;
/** How long an outage may take to show (the first 503, /readyz down). */
const DETECT_MS = 20_000;
/** A stall longer than the driver's heartbeat (10 s) plus its connect timeout (1.5 s). */
const STALL_MS = 15_000;

let wire: WireHarness;
let h: Harness;
let closeDeps: () => Promise<void>;

beforeAll(async () => {
  wire = await startWireHarness();
  const env = { TOKEN_MODE: 'mongo', MONGODB_URL: wire.server.url('rocketchat'), LOG_LEVEL: 'info', API_RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_RATE_LIMIT_PER_MINUTE: '1000' };
  const deps = await createDependencies(loadConfig(baseEnv(env) as NodeJS.ProcessEnv));
  closeDeps = deps.close;
  const store = await seededStore();
  h = await startHarness({ store, env, deps: { issuer: deps.issuer, revocations: deps.revocations, identity: createLocalIdentity(store) } });
});
afterAll(async () => {
  await h?.close();
  await closeDeps?.();
  await wire?.close().catch(() => undefined);
});

const apiSession = (cookie: string) => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });
const readyz = () => h.app.inject({ method: 'GET', url: '/readyz' });

let sessionJar = cookieJar();

/** Polls `probe` until it returns a value, at most `withinMs`; the error says what was awaited. */
async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await sleep(50);
  }
}

/** The login form as a browser sends it (GET, then POST), each answer's status and time. */
async function timedLogin(): Promise<Array<{ status: number; ms: number; body: string }>> {
  const jar = cookieJar();
  const answers = [];
  let started = Date.now();
  const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
  answers.push({ status: page.statusCode, ms: Date.now() - started, body: page.body });
  jar.take(page.headers['set-cookie']);
  if (page.statusCode !== 200) return answers;
  started = Date.now();
  const post = await h.app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username: 'alice', password: PASSWORD, _csrf: csrfFrom(page.body) }).toString(),
  });
  answers.push({ status: post.statusCode, ms: Date.now() - started, body: post.body });
  return answers;
}

/** The login form during an outage: the unavailable page, each answer within the budget. */
async function expectUnavailableLogin(): Promise<void> {
  const answers = await timedLogin();
  console.log(`login during the outage: ${answers.map((a) => `${a.status} in ${a.ms} ms`).join(', ')}`);
  expect(answers[answers.length - 1].status).toBe(503);
  expect(answers[answers.length - 1].body).not.toMatch(/Mongo|ECONN|127\.0\.0\.1|"stack"/);
  for (const answer of answers) expect(answer.ms).toBeLessThan(BUDGET_MS);
}

interface Sample {
  started: number;
  ms: number;
  status: number;
  body: string;
}

/** `loops` callers of the API URL, back to back (a short pause each), until `stop()`. */
function traffic(cookie: string, loops = 3) {
  const samples: Sample[] = [];
  let running = true;
  const workers = Array.from({ length: loops }, async () => {
    while (running) {
      const started = Date.now();
      const response = await apiSession(cookie);
      samples.push({ started, ms: Date.now() - started, status: response.statusCode, body: response.body });
      await sleep(20);
    }
  });
  return {
    samples,
    /** Answers to calls started at or after `since`. */
    after: (since: number) => samples.filter((s) => s.started >= since),
    async stop() {
      running = false;
      await Promise.all(workers);
      return samples;
    },
  };
}

/**
 * From `since` (the database back): the time until a call started then answers 200 and every
 * call started after it does too, judged on `stable` such calls.
 */
async function recovery(load: ReturnType<typeof traffic>, since: number, stable = 10): Promise<number> {
  const { value } = await until(`${stable} answers of 200 in a row after the database came back`, RECOVERY_MS + BUDGET_MS, async () => {
    const later = load.after(since);
    const lastFailure = later.map((s) => s.status !== 200).lastIndexOf(true);
    const tail = later.slice(lastFailure + 1);
    return tail.length >= stable ? tail[0].started + tail[0].ms - since : undefined;
  });
  return value;
}

/** Every answer while the database was away: 200 or a bare 503, each within the budget. */
function expectOnlyFastRefusals(samples: Sample[]): void {
  for (const s of samples) {
    expect([200, 503]).toContain(s.status);
    if (s.status === 503) expect(s.body).toBe('');
    expect(s.ms).toBeLessThan(BUDGET_MS);
  }
}

test('healthy: the login writes services.iframe.token and the API URL answers {token}', async () => {
  const jar = sessionJar;
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
  const api = await apiSession(jar.header());
  expect(api.statusCode).toBe(200);
  expect(Object.keys(api.json())).toEqual(['token']);
  expect((await readyz()).statusCode).toBe(200);
});

test('connections dropped mid-command: 503 or a retried success, never a crash or 5xx other than 503', async () => {
  wire.server.handle((command) => {
    if (command.name === 'find' || command.name === 'update') wire.server.dropConnections();
    return wire.fake.handler(command);
  });
  try {
    const response = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect([200, 503]).toContain(response.statusCode);
    expect(response.body).not.toMatch(/Mongo|ECONN|"stack"|\bat \S+ \(|\.ts:\d+/);
  } finally {
    wire.server.handle((command) => wire.fake.handler(command));
  }
});

test('every connection dropped in the middle of commands, under traffic: 200 again within seconds', async () => {
  const load = traffic(sessionJar.header());
  let drops = 0;
  try {
    await until('traffic flowing', DETECT_MS, async () => (load.samples.some((s) => s.status === 200) ? true : undefined));
    // For a second, every find (the mirror's polls, and the standing cache's user reads) takes all connections down with it.
    wire.server.handle((command) => {
      if (command.name === 'find') {
        drops += 1;
        wire.server.dropConnections();
      }
      return wire.fake.handler(command);
    });
    await sleep(1000);
    wire.server.handle((command) => wire.fake.handler(command));
    const back = Date.now();
    const ms = await recovery(load, back);
    console.log(`connections dropped ${drops} times in 1 s: all 200 again ${ms} ms after the drops stopped`);
    expect(drops).toBeGreaterThan(0);
    expect(ms).toBeLessThan(RECOVERY_MS);
  } finally {
    wire.server.handle((command) => wire.fake.handler(command));
    expectOnlyFastRefusals(await load.stop());
  }
}, 60_000);

test('the server restarts on the same port under traffic: fast 503s and /readyz down meanwhile, then 200 and /readyz up within seconds', async () => {
  const load = traffic(sessionJar.header());
  try {
    await until('traffic flowing', DETECT_MS, async () => (load.samples.some((s) => s.status === 200) ? true : undefined));
    await wire.server.stop();
    const down = Date.now();
    await until('a 503 from the API URL', DETECT_MS, async () => (load.after(down).some((s) => s.status === 503) ? true : undefined));
    const notReady = await until('/readyz answering 503', DETECT_MS, async () => {
      const response = await readyz();
      return response.statusCode === 503 ? response.json() : undefined;
    });
    // Server selection gives up (1.4 s) about when the request's MongoDB budget (1.5 s) runs out: either may say it.
    const unreachable = expect.stringMatching(/^MongoDB (is unreachable \(MongoServerSelectionError\)|did not answer within \d+ ms)$/);
    expect(notReady.value).toEqual({ ready: false, checks: { tokens: false, identity: true, revocation: false }, reasons: { tokens: unreachable, revocation: unreachable } });
    // A login during the outage: the form answers 503 (the unavailable page), within the budget.
    await expectUnavailableLogin();
    await wire.server.start();
    const back = Date.now();
    const ms = await recovery(load, back);
    await until('/readyz answering 200', RECOVERY_MS, async () => ((await readyz()).statusCode === 200 ? true : undefined));
    const readyAfter = Date.now() - back;
    const outage = load.after(down).filter((s) => s.started < back);
    console.log(
      `restart: ${outage.filter((s) => s.status === 503).length} answers of 503 during a ${back - down} ms outage ` +
        `(slowest ${Math.max(...outage.map((s) => s.ms))} ms); all 200 again ${ms} ms after the restart; /readyz up after ${readyAfter} ms`,
    );
    expect(ms).toBeLessThan(RECOVERY_MS);
    expect((await login(h.app, cookieJar(), 'alice', PASSWORD)).statusCode).toBe(200);
  } finally {
    await wire.server.start(); // a no-op when it is up
    expectOnlyFastRefusals(await load.stop());
  }
}, 120_000);

test('the server stops answering (connections stay open): each call fails within the bound, /readyz says so, and all is 200 again once it answers', async () => {
  const load = traffic(sessionJar.header());
  try {
    await until('traffic flowing', DETECT_MS, async () => (load.samples.some((s) => s.status === 200) ? true : undefined));
    wire.server.pause();
    const paused = Date.now();
    await until('three 503s in a row', DETECT_MS, async () => (load.after(paused).slice(-3).filter((s) => s.status === 503).length === 3 ? true : undefined));
    const started = Date.now();
    // Timed out, or interrupted when the driver's monitor gives up on the server and clears its pool.
    const silent = expect.stringMatching(/^MongoDB (did not answer within \d+ ms|is unreachable \(Mongo\w+Error\))$/);
    expect((await readyz()).json()).toEqual({ ready: false, checks: { tokens: false, identity: true, revocation: false }, reasons: { tokens: silent, revocation: silent } });
    expect(Date.now() - started).toBeLessThan(BUDGET_MS);
    await expectUnavailableLogin();
    // The stall outlasts the driver's own monitor (heartbeat 10 s + connect timeout 3 s), which then
    // clears the pool and interrupts what still waits on it: recovery must survive that too.
    await until('the stall outlasting the driver monitor', 30_000, async () => (Date.now() - paused > STALL_MS ? true : undefined));
    wire.server.resume();
    const back = Date.now();
    const ms = await recovery(load, back);
    await until('/readyz answering 200', RECOVERY_MS, async () => ((await readyz()).statusCode === 200 ? true : undefined));
    const stalled = load.samples.filter((s) => s.started < back && s.started + s.ms > paused);
    console.log(
      `stall of ${back - paused} ms: ${stalled.filter((s) => s.status === 503).length} answers of 503, slowest ${Math.max(...stalled.map((s) => s.ms))} ms; ` +
        `all 200 again ${ms} ms after it answered again, /readyz up after ${Date.now() - back} ms`,
    );
    expect(ms).toBeLessThan(RECOVERY_MS);
  } finally {
    wire.server.resume();
    expectOnlyFastRefusals(await load.stop());
  }
}, 120_000);

test('what the outages logged: the clear reasons, and never the connection string', () => {
  const logs = h.logs.text;
  // The login during the restart; the revocation checks during the restart and the stall: the
  // stale mirror's refusal says why its sync failed (the error's name, or our own words).
  expect(logs).toMatch(/"reason":"mongodb_unreachable".*"msg":"no Rocket.Chat credential"/);
  expect(logs).toMatch(/shared revocation list not synced for \d+ ms \(MongoServerSelectionError\).*"msg":"identity source failed"/);
  expect(logs).toMatch(/shared revocation list not synced for \d+ ms \(MongoDB did not answer within \d+ ms\).*"msg":"identity source failed"/);
  expect(logs).not.toContain('mongodb://');
});

// Last: it closes the server.
test('database unreachable: login page 503, API URL 503 with an empty body, both within budget', async () => {
  // The session made while the database was healthy (first test).
  const jar = sessionJar;
  const closed = Date.now();
  await wire.server.close();
  console.log(`closing the server took ${Date.now() - closed} ms`);
  await expectUnavailableLogin();
  // Until the mirror is stale the held token comes from memory (200); from then on, fail closed
  // (503 with an empty body), never hand the held token out. Each answer within the budget.
  const answers: Sample[] = [];
  await until('the API URL refusing once the mirror is stale', MIRROR_STALE_AFTER_MS + 4 * MIRROR_INTERVAL_MS, async () => {
    const started = Date.now();
    const api = await apiSession(jar.header());
    answers.push({ started, ms: Date.now() - started, status: api.statusCode, body: api.body });
    return api.statusCode === 503 ? true : undefined;
  });
  const refused = answers[answers.length - 1];
  console.log(`API URL with the database closed: ${answers.length - 1} answers of 200 from memory, then 503 ${refused.started - closed} ms after the close, in ${refused.ms} ms`);
  expectOnlyFastRefusals(answers);
  expect({ status: refused.status, body: refused.body }).toEqual({ status: 503, body: '' });
  // And it stays refused while the database is away.
  expect((await apiSession(jar.header())).statusCode).toBe(503);
}, 60_000);
