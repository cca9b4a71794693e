import { randomBytes } from 'node:crypto';
import type { IdentitySource } from '../../service/identity/types';
import { everyoneStands, RC_ORIGIN, sessionCookie, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('health and metrics', () => {
  test('GET /healthz answers ok', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz checks the App (status endpoint), the identity source and the revocation list', async () => {
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, checks: { tokens: true, identity: true, revocation: true } });
    h.standIn.failWith = 503;
    const down = await h.app.inject({ method: 'GET', url: '/readyz' });
    h.standIn.failWith = undefined;
    expect(down.statusCode).toBe(503);
    // Why, with no secret: which endpoint, and what it answered.
    expect(down.json()).toEqual({ ready: false, checks: { tokens: false, identity: true, revocation: true }, reasons: { tokens: expect.stringMatching(/^the App's status endpoint http:\/\/127\.0\.0\.1:\d+\/status answered HTTP 503$/) } });
  });

  test('a change of readiness is logged once, with its reason; the same answer again is not', async () => {
    const count = (text: string) => h.logs.lines.filter((line) => line.includes(text)).length;
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200); // from ready, whatever came before
    const before = { down: count('"msg":"not ready"'), up: count('"msg":"ready"') };
    h.standIn.failWith = 503;
    for (let i = 0; i < 3; i += 1) expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    h.standIn.failWith = undefined;
    for (let i = 0; i < 3; i += 1) expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect({ down: count('"msg":"not ready"') - before.down, up: count('"msg":"ready"') - before.up }).toEqual({ down: 1, up: 1 });
    expect(h.logs.lines.find((line) => line.includes('"msg":"not ready"'))).toMatch(/"reasons":\{"tokens":"the App's status endpoint http:\/\/127\.0\.0\.1:\d+\/status answered HTTP 503"\}/);
  });

  test('concurrent /readyz share one round of probes; the next one asks again', async () => {
    let asked = 0;
    const slow: IdentitySource = {
      kind: 'forward',
      ready: async () => {
        asked += 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        return true;
      },
      close: async () => undefined,
    };
    const other = await startHarness({ deps: { identity: slow } });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => other.app.inject({ method: 'GET', url: '/readyz' })));
      expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
      expect(asked).toBe(1);
      expect((await other.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect(asked).toBe(2);
    } finally {
      await other.close();
    }
  });

  test('an identity source that throws in ready() is not ready', async () => {
    const broken: IdentitySource = { kind: 'forward', ready: () => Promise.reject(new Error('boom')), close: async () => undefined };
    const other = await startHarness({ deps: { identity: broken } });
    try {
      const response = await other.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().checks.identity).toBe(false);
    } finally {
      await other.close();
    }
  });

  test('METRICS_TOKEN: /metrics answers only its bearer (401 otherwise, nothing counted shown); health stays open', async () => {
    const token = randomBytes(32).toString('base64');
    const guarded = await startHarness({ env: { METRICS_TOKEN: token } });
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, token, `Basic ${token}`]) {
        const refused = await guarded.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
        expect(refused.statusCode).toBe(401);
        expect(refused.headers['www-authenticate']).toBe('Bearer');
        expect(refused.body).not.toContain('logins_total');
      }
      const scraped = await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      expect(scraped.statusCode).toBe(200);
      expect(scraped.body).toContain('http_request_duration_seconds');
      expect((await guarded.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  test('GET /metrics: Prometheus text with request counts by route and status and logins by outcome', async () => {
    await h.app.inject({ method: 'POST', url: '/api/session' });
    const response = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/api\/session",status="401"\} 1/);
    expect(response.body).toContain('http_request_duration_seconds_bucket');
    expect(response.body).toContain('# TYPE logins_total counter');
  });

  test('GET /metrics: series per route pattern, method and status add up; unmatched URLs share one series', async () => {
    const other = await startHarness();
    try {
      for (let i = 0; i < 3; i += 1) await other.app.inject({ method: 'GET', url: '/api/session' });
      await other.app.inject({ method: 'GET', url: '/nope-1?x=1' });
      await other.app.inject({ method: 'GET', url: '/nope-2' });
      const body = (await other.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(body).toMatch(/^http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 2$/m);
      expect(body).not.toContain('http_requests_total');
      expect(body).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/session",status="401"\} 3$/m);
      expect(body).toMatch(/^http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/session",status="401"\} 3$/m);
      expect(body).toMatch(/^http_request_duration_seconds_bucket\{le="5",method="GET",route="\/api\/session",status="401"\} 3$/m);
      expect(body).toMatch(/^http_request_duration_seconds_sum\{method="GET",route="\/api\/session",status="401"\} [0-9.e-]+$/m);
      expect(body).not.toContain('nope');
    } finally {
      await other.close();
    }
  });

  test('GET /metrics: credentials answered from the session are counted, on every scrape the total so far', async () => {
    const other = await startHarness({ deps: { identity: everyoneStands } });
    try {
      const api = async (n: number) => {
        const cookie = await sessionCookie(n, true);
        expect((await other.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } })).statusCode).toBe(200);
      };
      await api(1);
      await api(2);
      const held = /^credentials_total\{source="held",outcome="ok"\} (\d+)$/m;
      expect(held.exec((await other.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1]).toBe('2');
      await api(3);
      expect(held.exec((await other.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1]).toBe('3');
    } finally {
      await other.close();
    }
  });

  test('unknown routes: 404 JSON; 5xx details never sent', async () => {
    const missing = await h.app.inject({ method: 'GET', url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found' });
    const broken: IdentitySource = { kind: 'local', verifyPassword: () => Promise.reject(new Error('secret internal detail')), ready: async () => true, close: async () => undefined };
    const other = await startHarness({ deps: { identity: broken } });
    try {
      const { cookieJar, login } = await import('./support/harness');
      const response = await login(other.app, cookieJar(), 'alice', 'whatever');
      // A person reads the login form's answer in the iframe: the "unavailable" page, not JSON.
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).not.toContain('secret internal detail');
      expect(other.logs.text).toContain('secret internal detail');
    } finally {
      await other.close();
    }
  });
});
