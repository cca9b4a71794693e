/** The API URL's mint limits: per address and per user, over the state stores' counters. */
import { clientKey } from '../../service/flow/mint-limits';
import { memoryCounters } from '../../service/state/memory';
import { everyoneStands, RC_ORIGIN, seededStore, sessionCookie, startHarness } from './support/harness';

test('a counter counts per key in windows aligned on the clock; a new window starts clean', async () => {
  let now = 1_000_000;
  const counters = memoryCounters(10, () => now);
  const counts = async (key: string, n: number) => Promise.all(Array.from({ length: n }, () => counters.hit(key, 60_000)));
  expect((await counts('a', 3)).map((c) => c.count)).toEqual([1, 2, 3]);
  expect(await counters.hit('b', 60_000)).toEqual({ count: 1, resetAt: 1_020_000 });
  now = 1_019_999;
  expect((await counters.hit('a', 60_000)).count).toBe(4);
  now = 1_020_000;
  expect(await counters.hit('a', 60_000)).toEqual({ count: 1, resetAt: 1_080_000 });
});

test('bounded in memory: the oldest window goes first when full', async () => {
  const counters = memoryCounters(2, () => 0);
  await counters.hit('a', 60_000);
  await counters.hit('b', 60_000);
  expect((await counters.hit('b', 60_000)).count).toBe(2);
  await counters.hit('c', 60_000); // evicts a
  expect((await counters.hit('a', 60_000)).count).toBe(1);
});

test('clients are keyed as @fastify/rate-limit keys them: IPv4 as is, IPv6 by /64, mapped IPv4 as IPv4', () => {
  expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
  expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
  expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
  expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
});

test('the API URL: a refused mint gets 429 with Retry-After, the limit headers and the CORS grant, JSON body; preflights are not counted', async () => {
  const h = await startHarness({ store: await seededStore(), deps: { identity: everyoneStands }, env: { API_RATE_LIMIT_PER_MINUTE: '2', LOG_LEVEL: 'silent' } });
  try {
    const preflight = () => h.app.inject({ method: 'OPTIONS', url: '/api/session', headers: { origin: RC_ORIGIN, 'access-control-request-method': 'POST' } });
    expect((await preflight()).statusCode).toBe(204);
    // Each a different user with no held login: each call mints.
    const mint = async (n: number, method: 'POST' | 'GET' = 'POST') => h.app.inject({ method, url: '/api/session', headers: { origin: RC_ORIGIN, cookie: await sessionCookie(n, false) } });
    expect([(await mint(1)).statusCode, (await mint(2)).statusCode]).toEqual([200, 200]);
    const over = await mint(3);
    expect(over.statusCode).toBe(429);
    expect(over.json()).toEqual({ error: 'too_many_requests' });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.headers['x-ratelimit-limit']).toBe('2');
    expect(over.headers['x-ratelimit-remaining']).toBe('0');
    expect(over.headers['access-control-allow-origin']).toBe(RC_ORIGIN);
    expect((await mint(4, 'GET')).statusCode).toBe(429);
    expect((await preflight()).statusCode).toBe(204);
  } finally {
    await h.close();
  }
});
