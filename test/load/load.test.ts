/**
 * Sustained concurrent load on loopback (autocannon): the API URL for a logged-in user and the
 * login POST. Bounded: LOAD_SECONDS per round (default 2; e.g. LOAD_SECONDS=30 for a longer run).
 * The companion's rate limits are raised for this test only (one client IP sends everything).
 */
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, startHarness, type Harness } from '../service/support/harness';

const SECONDS = Math.min(Math.max(Number(process.env.LOAD_SECONDS ?? 2) || 2, 1), 600);
const CONNECTIONS = 10;

let h: Harness;
let url: string;

/** A full collection (V8's gc, exposed at run time) so heap figures compare like with like. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  for (let i = 0; i < 3; i += 1) gc();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  h = await startHarness({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '100000', API_RATE_LIMIT_PER_MINUTE: '1000000', LOCKOUT_THRESHOLD: '1000', LOG_LEVEL: 'silent' } });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h?.close();
});

const figures: string[] = [];
afterAll(() => {
  console.log(`load (${SECONDS} s per round, ${CONNECTIONS} connections):\n${figures.join('\n')}`);
});

test(`POST /api/session, logged-in user, 3 rounds: zero errors and non-2xx; heap does not grow across rounds`, async () => {
  const jar = cookieJar();
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
  const run = () => autocannon({ url: `${url}/api/session`, method: 'POST', connections: CONNECTIONS, duration: SECONDS, headers: { origin: RC_ORIGIN, cookie: jar.header() }, timeout: 10 });
  await run(); // warm-up: JIT, caches, pools
  const heaps: number[] = [heapAfterGc()];
  let total = 0;
  for (let round = 1; round <= 3; round += 1) {
    const result = await run();
    expect({ round, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ round, errors: 0, timeouts: 0, non2xx: 0 });
    expect(result['2xx']).toBeGreaterThan(0);
    total += result['2xx'];
    heaps.push(heapAfterGc());
    figures.push(`  /api/session round ${round}: ${result['2xx']} × 2xx, ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, heap after GC ${(heaps[round]! / 1e6).toFixed(1)} MB`);
  }
  // The App was asked once (the session holds the credential): the fast path held.
  expect(h.standIn.logins.length).toBe(1);
  // No growth across rounds: the last round ends within a fixed tolerance of the first
  // (generous, a leak of a few hundred bytes per request over thousands of requests exceeds it).
  const growth = heaps[3]! - heaps[1]!;
  figures.push(`  /api/session total ${total} requests; heap growth round 1 → 3: ${(growth / 1e6).toFixed(2)} MB`);
  expect(growth).toBeLessThan(16 * 1024 * 1024);
}, 30_000 + SECONDS * 5_000);

const LOGIN_CONNECTIONS = 4;

test('POST /login with the right password under concurrent load: zero errors and non-2xx', async () => {
  const jar = cookieJar();
  const page = await h.app.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const body = new URLSearchParams({ username: 'alice', password: PASSWORD, _csrf: csrfFrom(page.body) }).toString();
  const before = h.standIn.logins.length;
  const result = await autocannon({
    url: `${url}/login`,
    method: 'POST',
    connections: LOGIN_CONNECTIONS,
    duration: SECONDS,
    headers: { origin: PUBLIC_ORIGIN, cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body,
    timeout: 10,
  });
  figures.push(`  POST /login: ${result['2xx']} × 2xx, ${result.requests.average.toFixed(1)} req/s (scrypt-bound), p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}`);
  expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
  expect(result['2xx']).toBeGreaterThan(0);
  // Every login got its own single-use assertion, accepted once by the App. Autocannon stops
  // counting at the deadline while up to one request per connection is still in flight: those
  // are answered (and reach the App) but not counted.
  const accepted = h.standIn.logins.length - before;
  expect(accepted).toBeGreaterThanOrEqual(result['2xx']);
  expect(accepted).toBeLessThanOrEqual(result['2xx'] + LOGIN_CONNECTIONS);
}, 30_000 + SECONDS * 5_000);
