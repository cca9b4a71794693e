/** The API URL's per-client fixed window. */
import { clientKey, createRateWindow } from '../../service/plugins/rate-window';
import { everyoneStands, RC_ORIGIN, seededStore, sessionCookie, startHarness } from './support/harness';

test('max requests a window per client; then the seconds left; a new window starts clean', () => {
  const limit = createRateWindow({ max: 3, windowMs: 60_000 });
  const t = 1_000_000;
  expect([limit.hit('a', t), limit.hit('a', t + 1), limit.hit('a', t + 2)]).toEqual([0, 0, 0]);
  expect(limit.hit('a', t + 1_500)).toBe(59);
  expect(limit.hit('b', t + 1_500)).toBe(0);
  expect(limit.hit('a', t + 59_999)).toBe(1);
  expect(limit.hit('a', t + 60_000)).toBe(0);
});

test('bounded: the oldest window goes first when full', () => {
  const limit = createRateWindow({ max: 1, windowMs: 60_000, maxClients: 2 });
  limit.hit('a', 0);
  limit.hit('b', 0);
  expect(limit.hit('b', 1)).toBeGreaterThan(0);
  limit.hit('c', 2); // evicts a
  expect(limit.hit('a', 3)).toBe(0);
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
