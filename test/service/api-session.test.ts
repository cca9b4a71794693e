import { cookieJar, login, PASSWORD, RC_ORIGIN, seededStore, sessionCookie, startHarness, everyoneStands, type Harness } from './support/harness';
import type { UserStore } from '../../service/users/types';

let store: UserStore;
let h: Harness;
beforeAll(async () => {
  store = await seededStore();
});
beforeEach(async () => {
  h = await startHarness({ store });
});
afterEach(() => h.close());

async function loggedIn() {
  const jar = cookieJar();
  const response = await login(h.app, jar, 'alice', PASSWORD);
  expect(response.statusCode).toBe(200);
  return jar;
}

describe('POST|GET /api/session', () => {
  test('without a session: 401 with an empty body, CORS granted to the Rocket.Chat origin', async () => {
    for (const method of ['POST', 'GET'] as const) {
      const response = await h.app.inject({ method, url: '/api/session', headers: { origin: RC_ORIGIN } });
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe('');
      expect(response.headers['access-control-allow-origin']).toBe(RC_ORIGIN);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(String(response.headers.vary)).toMatch(/Origin/i);
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  test('a foreign origin gets no CORS grant at all', async () => {
    const jar = await loggedIn();
    for (const origin of ['https://evil.example.net', 'https://chat.example.com.evil.net', 'null', 'http://chat.example.com']) {
      const response = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin, cookie: jar.header() } });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  test('the preflight (7.x sends Content-Type: application/json) is answered for the exact origin only', async () => {
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/session',
      headers: { origin: RC_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(RC_ORIGIN);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
    const foreign = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/session',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreign.headers['access-control-allow-methods']).toBeUndefined();
    expect(preflight.headers['access-control-max-age']).toBe('600');
    expect(String(preflight.headers.vary)).toMatch(/Origin/i);
    // No other path is granted a preflight, whatever the origin.
    for (const url of ['/login', '/logout', '/healthz']) {
      const other = await h.app.inject({ method: 'OPTIONS', url, headers: { origin: RC_ORIGIN, 'access-control-request-method': 'POST' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  test('a logged-in user gets exactly {loginToken}; the App is called once for repeated calls (fast path)', async () => {
    const jar = await loggedIn();
    expect(h.standIn.logins).toHaveLength(1);
    const first = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header(), 'content-type': 'application/json' } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(first.json())).toEqual(['loginToken']);
    expect(first.json().loginToken).toBe(h.standIn.tokens[0]);
    for (let i = 0; i < 5; i += 1) {
      const again = await h.app.inject({ method: i % 2 ? 'GET' : 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      expect(again.json()).toEqual(first.json());
    }
    expect(h.standIn.logins).toHaveLength(1);
  });

  test('503 with an empty body when the App is unavailable; 401 when it denies', async () => {
    const jar = cookieJar();
    h.standIn.failWith = 502;
    expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(503);
    const down = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(down.statusCode).toBe(503);
    expect(down.body).toBe('');
    h.standIn.failWith = 401;
    const denied = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(denied.statusCode).toBe(401);
    expect(denied.body).toBe('');
    h.standIn.failWith = undefined;
    const ok = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().loginToken).toBe(h.standIn.tokens[0]);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toContain('__Host-rcib_session=');
    expect(setCookie).toContain('SameSite=None');
  });

  test('a tampered or foreign session cookie is nobody', async () => {
    const jar = await loggedIn();
    const value = jar.get('__Host-rcib_session') as string;
    const tampered = `${value.slice(0, -4)}AAAA`;
    const response = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: `__Host-rcib_session=${tampered}` } });
    expect(response.statusCode).toBe(401);
    const other = await startHarness({ store, env: { SESSION_SECRET: 'YIPK+CoKsuKEP0FeQUo/Nytajs/Rb2LHPfCzufVUtYY=' } });
    try {
      const foreign = await other.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      expect(foreign.statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  test('odd bodies and content types do not break it', async () => {
    const jar = await loggedIn();
    for (const [type, payload] of [['application/json', ''], ['text/plain', 'hello'], ['application/json', '{not json']] as const) {
      const response = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header(), 'content-type': type }, payload });
      expect(response.statusCode).toBe(200);
    }
  });
});

const OFFICE = '203.0.113.7';

describe('the API URL limits: minting only, per address and per user', () => {
  const call = (app: Harness['app'], cookie?: string) =>
    app.inject({ method: 'POST', url: '/api/session', remoteAddress: OFFICE, headers: { origin: RC_ORIGIN, ...(cookie ? { cookie } : {}) } });

  test('5,000 users behind one office address, each with a held login, all get their token under the default limits', async () => {
    const office = await startHarness({ store, deps: { identity: everyoneStands }, env: { LOG_LEVEL: 'silent' } });
    try {
      const users = 5_000;
      const cookies = await Promise.all(Array.from({ length: users }, (_, n) => sessionCookie(n, true)));
      const started = Date.now();
      const refused: number[] = [];
      for (let n = 0; n < users; n += 1) {
        const response = await call(office.app, cookies[n]);
        if (response.statusCode !== 200 || response.json().loginToken !== `held-token-${n}`) refused.push(n);
      }
      expect(refused).toEqual([]);
      expect(office.standIn.logins).toHaveLength(0);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await office.close();
    }
  });

  test('a user minting over API_MINTS_PER_USER_PER_MINUTE (default) gets 429 while another user at the same address still mints', async () => {
    const limited = await startHarness({ store, deps: { identity: everyoneStands }, env: { LOG_LEVEL: 'silent' } });
    try {
      // No held login in the cookie that is sent again: every call mints. The default is 10 a minute.
      const churner = await sessionCookie(1, false);
      const statuses = [];
      for (let i = 0; i < 11; i += 1) statuses.push((await call(limited.app, churner)).statusCode);
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
      const over = await call(limited.app, churner);
      expect(over.statusCode).toBe(429);
      expect(over.json()).toEqual({ error: 'too_many_requests' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.headers['x-ratelimit-limit']).toBe('10');
      expect(over.headers['access-control-allow-origin']).toBe(RC_ORIGIN);
      expect(limited.standIn.logins).toHaveLength(10);
      const colleague = await call(limited.app, await sessionCookie(2, false));
      expect(colleague.statusCode).toBe(200);
      expect(colleague.json().loginToken).toBe(limited.standIn.tokens[10]);
      // The churner's held login (from the cookie written by a mint) is still handed out.
      expect((await call(limited.app, await sessionCookie(1, true))).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  test('the per-address limit counts mints only: held logins and calls without a session are never refused', async () => {
    const limited = await startHarness({ store, deps: { identity: everyoneStands }, env: { API_RATE_LIMIT_PER_MINUTE: '2', LOG_LEVEL: 'silent' } });
    try {
      const mints = [];
      for (let n = 0; n < 3; n += 1) mints.push((await call(limited.app, await sessionCookie(n, false))).statusCode);
      expect(mints).toEqual([200, 200, 429]);
      const held = await sessionCookie(9, true);
      for (let i = 0; i < 10; i += 1) {
        expect((await call(limited.app, held)).statusCode).toBe(200);
        expect((await call(limited.app)).statusCode).toBe(401);
      }
      // The refused mint sent the limit's headers; the answers under it sent none.
      const over = await call(limited.app, await sessionCookie(5, false));
      expect(over.statusCode).toBe(429);
      expect(over.headers['x-ratelimit-limit']).toBe('2');
      expect((await call(limited.app, held)).headers['x-ratelimit-remaining']).toBeUndefined();
    } finally {
      await limited.close();
    }
  });

  test('API_RATE_LIMIT_PER_MINUTE=0: no per-address limit at all', async () => {
    const open = await startHarness({ store, deps: { identity: everyoneStands }, env: { API_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' } });
    try {
      // Well over the default 120 mints from one address, each by its own user.
      const statuses = new Set<number>();
      for (let n = 0; n < 150; n += 1) statuses.add((await call(open.app, await sessionCookie(n, false))).statusCode);
      expect([...statuses]).toEqual([200]);
      expect(open.standIn.logins).toHaveLength(150);
    } finally {
      await open.close();
    }
  });
});
