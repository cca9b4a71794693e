/**
 * Two companions over one MongoDB (wire-level) count together: the login form's per-address
 * limit, the API URL's mint limits and the lockout do not grow with the number of replicas. (The
 * multi-replica suite, test/replicas, proves the same with processes behind a proxy; this one
 * pins each limit down with fast in-process apps.)
 */
import { createMongoState } from '../../../service/state/mongo';
import { csrfFrom, everyoneStands, login, cookieJar, PASSWORD, RC_ORIGIN, seededStore, sessionCookie, startHarness, type Harness } from '../support/harness';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

describe(`limits shared by two replicas through MongoDB — ${WIRE_LEVEL}`, () => {
  let wire: WireHarness;
  let replicas: Harness[] = [];
  beforeEach(async () => {
    wire = await startWireHarness('bridge');
  });
  afterEach(async () => {
    await Promise.all(replicas.map((h) => h.close()));
    replicas = [];
    await wire.close();
  });
  const start = async (env: Record<string, string>, extra: Parameters<typeof startHarness>[0] = {}) => {
    const store = await seededStore();
    for (let i = 0; i < 2; i += 1) replicas.push(await startHarness({ store, ...extra, env: { LOG_LEVEL: 'silent', ...env }, deps: { ...extra.deps, state: createMongoState(wire.db) } }));
    return replicas;
  };

  test('the login form: LOGIN_RATE_LIMIT_PER_MINUTE posts from one address in all, not per replica', async () => {
    const [a, b] = await start({ LOGIN_RATE_LIMIT_PER_MINUTE: '3', LOCKOUT_THRESHOLD: '100' });
    const statuses = [];
    for (const h of [a, b, a, b]) statuses.push((await login(h.app, cookieJar(), 'alice', 'wrong password')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // GET /login is not the limited route: its own count is apart.
    expect((await a.app.inject({ method: 'GET', url: '/login' })).statusCode).toBe(200);
  });

  test('the API URL: mints per address and per user in all, held logins never counted', async () => {
    const [a, b] = await start({ API_RATE_LIMIT_PER_MINUTE: '4', API_MINTS_PER_USER_PER_MINUTE: '2' }, { deps: { identity: everyoneStands } });
    const call = async (h: Harness, cookie: string) => (await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } })).statusCode;
    // Held logins: as many as asked, on either replica.
    for (let n = 0; n < 10; n += 1) expect(await call(n % 2 ? a : b, await sessionCookie(n, true))).toBe(200);
    // The same user minting on both replicas: two in all.
    const churn = await sessionCookie(100, false);
    expect([await call(a, churn), await call(b, churn), await call(a, churn)]).toEqual([200, 200, 429]);
    // Every mint asked for counts toward the address (three above, the refused one too): one more, then no more.
    expect(await call(b, await sessionCookie(101, false))).toBe(200);
    expect(await call(a, await sessionCookie(102, false))).toBe(429);
  });

  test('the lockout: LOCKOUT_THRESHOLD wrong passwords spread over both replicas lock the account on both', async () => {
    const [a, b] = await start({ LOCKOUT_THRESHOLD: '3', LOGIN_RATE_LIMIT_PER_MINUTE: '100' });
    for (const h of [a, b, a]) expect((await login(h.app, cookieJar(), 'alice', 'wrong password')).statusCode).toBe(401);
    for (const h of [a, b]) {
      const right = await login(h.app, cookieJar(), 'alice', PASSWORD);
      expect(right.statusCode).toBe(401);
      expect(right.headers['set-cookie']?.toString() ?? '').not.toContain('__Host-rcib_session=ey');
    }
  });

  test('MongoDB not answering: a login form post gets the "unavailable" page within 2 s, and nobody is let through unlimited', async () => {
    const [a] = await start({});
    const page = await a.app.inject({ method: 'GET', url: '/login' });
    const jar = cookieJar();
    jar.take(page.headers['set-cookie']);
    wire.server.pause();
    try {
      const started = Date.now();
      const post = await a.app.inject({
        method: 'POST',
        url: '/login',
        headers: { cookie: jar.header(), origin: 'https://auth.example.org', 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ username: 'alice', password: PASSWORD, _csrf: csrfFrom(page.body) }).toString(),
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(post.statusCode).toBe(503);
      expect(post.headers['content-type']).toMatch(/^text\/html/);
      expect(post.body).toContain('unavailable');
      expect(post.headers['set-cookie']?.toString() ?? '').not.toContain('__Host-rcib_session=ey');
    } finally {
      wire.server.resume();
    }
  });
});
