/**
 * Adversarial requests against the companion, beyond test/service (which already covers a
 * tampered and a foreign cookie, a wrong CSRF token, a foreign Origin, Origin null, a foreign
 * Referer, lockout, the per-IP rate limit, escaped branding and an escaped username).
 * Each case: refused, nobody signed in, the App never asked.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EncryptJWT, SignJWT, UnsecuredJWT } from 'jose';
import { createSessionCodec, deriveKey } from '../../service/sessions/cookie-codec';
import { SESSION_COOKIE } from '../../service/plugins/session';
import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, SESSION_SECRET, seededStore, startHarness, type Harness } from '../service/support/harness';
import type { UserStore } from '../../service/users/types';

const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const alice = { sub: 'sub-alice', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' };

let store: UserStore;
let h: Harness;

beforeAll(async () => {
  store = await seededStore();
  h = await startHarness({ store, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '10000', API_RATE_LIMIT_PER_MINUTE: '10000', LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await h.close();
});

async function loggedIn() {
  const jar = cookieJar();
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
  return jar;
}

const apiSession = (cookie: string, origin = RC_ORIGIN) => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin, cookie } });

describe('session cookies', () => {
  test('forged, expired, re-keyed and cross-site cookies are nobody: 401, empty body, the App not asked', async () => {
    const now = Math.floor(Date.now() / 1000);
    const codec = createSessionCodec(SESSION_SECRET);
    const key = deriveKey(SESSION_SECRET, 'session cookie v1');
    const session = { sid: 'sid-forged', user: alice };
    const forged: Array<[string, string]> = [
      ['random text', 'not-a-session'],
      ['empty', ''],
      ['unsecured JWT naming alice', new UnsecuredJWT(session).setIssuedAt().setExpirationTime('1h').encode()],
      ['JWS signed with the raw SESSION_SECRET', await new SignJWT(session).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SESSION_SECRET))],
      ['JWS signed with the derived session key', await new SignJWT(session).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(key)],
      ['JWE with the raw secret bytes as key', await new EncryptJWT(session).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime('1h').encrypt(new TextEncoder().encode(SESSION_SECRET).slice(0, 32))],
      ['expired (right key, exp an hour ago)', await codec.encode({ ...session, iat: now - 7200, exp: now - 3600 })],
      ['JWE with the right key but no user', await new EncryptJWT({ sid: 'x' }).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime('1h').encrypt(key)],
      ['JWE with the right key, user a string', await new EncryptJWT({ sid: 'x', user: 'alice' }).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime('1h').encrypt(key)],
      ['10 KB of base64url', 'A'.repeat(10_000)],
    ];
    const loginsBefore = h.standIn.logins.length;
    for (const [name, value] of forged) {
      const response = await apiSession(`${SESSION_COOKIE}=${value}`);
      expect({ name, status: response.statusCode, body: response.body }).toEqual({ name, status: 401, body: '' });
      const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: `${SESSION_COOKIE}=${value}` } });
      expect({ name, status: page.statusCode, delivered: page.body.includes('login-with-token') }).toEqual({ name, status: 200, delivered: false });
    }
    expect(h.standIn.logins.length).toBe(loginsBefore);
  });

  test('a valid cookie under another name, or in the CSRF cookie, is ignored', async () => {
    const jar = await loggedIn();
    const value = jar.get(SESSION_COOKIE)!;
    for (const cookie of [`rcib_session=${value}`, `__Secure-rcib_session=${value}`, `__Host-rcib_csrf=${value}`, `__host-rcib_session=${value}`]) {
      expect((await apiSession(cookie)).statusCode).toBe(401);
    }
  });

  test('a cookie captured before logout is dead afterwards (replayed cookie)', async () => {
    const jar = await loggedIn();
    const captured = jar.header();
    expect((await apiSession(captured)).statusCode).toBe(200);
    const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: captured } });
    const csrf = /name="_csrf" value="([^"]+)"|"csrf":"([^"]+)"|data-csrf="([^"]+)"/.exec(page.body);
    const token = csrf?.slice(1).find(Boolean);
    const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: captured, origin: PUBLIC_ORIGIN, 'x-csrf-token': token ?? '', accept: 'application/json' } });
    expect(out.statusCode).toBe(200);
    expect((await apiSession(captured)).statusCode).toBe(401);
  });
});

describe('Origin and Referer', () => {
  test('login form: look-alike origins and referers are refused, nobody signed in', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    const jar = cookieJar();
    jar.take(page.headers['set-cookie']);
    const csrf = csrfFrom(page.body);
    const loginsBefore = h.standIn.logins.length;
    const cases: Array<Record<string, string>> = [
      { origin: `${PUBLIC_ORIGIN}.evil.example` },
      { origin: `${PUBLIC_ORIGIN}/` },
      { origin: PUBLIC_ORIGIN.replace('https:', 'http:') },
      { origin: `${PUBLIC_ORIGIN}:8443` },
      { origin: RC_ORIGIN },
      { referer: `${PUBLIC_ORIGIN}.evil.example/login` },
      { referer: `https://evil.example/?${PUBLIC_ORIGIN}` },
      { referer: 'not a url' },
      { referer: `${RC_ORIGIN}/home` },
      { origin: 'https://evil.example', referer: `${PUBLIC_ORIGIN}/login` },
    ];
    for (const headers of cases) {
      const response = await h.app.inject({ method: 'POST', url: '/login', headers: { cookie: jar.header(), 'content-type': FORM, ...headers }, payload: form({ username: 'alice', password: PASSWORD, _csrf: csrf }) });
      expect({ headers, status: response.statusCode }).toEqual({ headers, status: 403 });
      expect(String(response.headers['set-cookie'] ?? '')).not.toContain(SESSION_COOKIE);
    }
    expect(h.standIn.logins.length).toBe(loginsBefore);
  });

  test('API URL: look-alike origins get no CORS grant', async () => {
    const jar = await loggedIn();
    for (const origin of [`${RC_ORIGIN}.evil.example`, 'null', `${RC_ORIGIN}:444`, RC_ORIGIN.replace('https:', 'http:'), `${RC_ORIGIN}/`, 'https://evil.example']) {
      const response = await apiSession(jar.header(), origin);
      expect({ origin, acao: response.headers['access-control-allow-origin'], acac: response.headers['access-control-allow-credentials'] }).toEqual({ origin, acao: undefined, acac: undefined });
      const preflight = await h.app.inject({ method: 'OPTIONS', url: '/api/session', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('CSRF', () => {
  test('login: a token from another browser, a token without its cookie, an empty token: 403', async () => {
    const a = cookieJar();
    const b = cookieJar();
    const pageA = await h.app.inject({ method: 'GET', url: '/login' });
    a.take(pageA.headers['set-cookie']);
    const pageB = await h.app.inject({ method: 'GET', url: '/login' });
    b.take(pageB.headers['set-cookie']);
    for (const [cookie, token] of [[a.header(), csrfFrom(pageB.body)], ['', csrfFrom(pageA.body)], [a.header(), ''], [a.header(), a.get('__Host-rcib_csrf')!]]) {
      const response = await h.app.inject({ method: 'POST', url: '/login', headers: { cookie: cookie!, origin: PUBLIC_ORIGIN, 'content-type': FORM }, payload: form({ username: 'alice', password: PASSWORD, _csrf: token! }) });
      expect(response.statusCode).toBe(403);
    }
  });

  test('logout: without a token, with another browser\'s token, from a foreign origin, or by GET: the session survives', async () => {
    const jar = await loggedIn();
    const other = cookieJar();
    const otherPage = await h.app.inject({ method: 'GET', url: '/login' });
    other.take(otherPage.headers['set-cookie']);
    const attempts: Array<{ headers: Record<string, string>; payload?: string }> = [
      { headers: { origin: PUBLIC_ORIGIN, 'content-type': FORM }, payload: '' },
      { headers: { origin: PUBLIC_ORIGIN, 'content-type': FORM }, payload: form({ _csrf: csrfFrom(otherPage.body) }) },
      { headers: { origin: 'https://evil.example', 'x-csrf-token': csrfFrom(otherPage.body) } },
      { headers: { referer: 'https://evil.example/x', 'content-type': FORM }, payload: form({ _csrf: 'x'.repeat(43) }) },
    ];
    for (const attempt of attempts) {
      const response = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), ...attempt.headers }, payload: attempt.payload });
      expect(response.statusCode).toBe(403);
    }
    expect((await h.app.inject({ method: 'GET', url: '/logout', headers: { cookie: jar.header() } })).statusCode).toBe(404);
    expect((await apiSession(jar.header())).statusCode).toBe(200);
  });
});

describe('brute force', () => {
  test('lockout counts spellings of one account together, and the real user gets back in once it expires', async () => {
    const short = await startHarness({ store, env: { LOCKOUT_THRESHOLD: '3', LOCKOUT_BASE_SECONDS: '1', LOCKOUT_MAX_SECONDS: '2', LOG_LEVEL: 'silent' } });
    try {
      for (const spelling of ['alice', ' ALICE', 'Alice ']) expect((await login(short.app, cookieJar(), spelling, 'wrong')).statusCode).toBe(401);
      expect((await login(short.app, cookieJar(), 'alice', PASSWORD)).statusCode).toBe(401);
      expect(short.standIn.logins).toHaveLength(0);
      // The lock is 1 s (doubling to at most 2 s): wait it out, bounded.
      const deadline = Date.now() + 10_000;
      let status = 401;
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = (await login(short.app, cookieJar(), 'alice', PASSWORD)).statusCode;
      }
      expect(status).toBe(200);
      expect(short.standIn.logins.map((c) => c.username)).toEqual(['alice']);
    } finally {
      await short.close();
    }
  });

  test('the username and the email of one account share one lockout (no extra guesses by switching spelling)', async () => {
    const locked = await startHarness({ store, env: { LOCKOUT_THRESHOLD: '3', LOCKOUT_BASE_SECONDS: '60', LOCKOUT_MAX_SECONDS: '600', LOG_LEVEL: 'silent' } });
    try {
      for (const spelling of ['alice', 'alice@example.com', 'ALICE@example.com']) expect((await login(locked.app, cookieJar(), spelling, 'wrong')).statusCode).toBe(401);
      for (const spelling of ['alice', 'alice@example.com', 'Alice@Example.com']) expect((await login(locked.app, cookieJar(), spelling, PASSWORD)).statusCode).toBe(401);
      expect(locked.standIn.logins).toHaveLength(0);
      // Other accounts, and logins naming nobody, keep their own counters.
      expect((await login(locked.app, cookieJar(), 'nobody@example.com', 'x')).statusCode).toBe(401);
    } finally {
      await locked.close();
    }
  });

  test('the per-IP rate limit is not bypassed by X-Forwarded-For (trustProxy off), and other IPs are unaffected', async () => {
    const limited = await startHarness({ store, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3', LOG_LEVEL: 'silent' } });
    try {
      const post = (ip: string, forwarded: string) =>
        limited.app.inject({ method: 'POST', url: '/login', remoteAddress: ip, headers: { origin: PUBLIC_ORIGIN, 'content-type': FORM, 'x-forwarded-for': forwarded }, payload: form({ username: 'x', password: 'y', _csrf: 'z' }) });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await post('10.0.0.1', `203.0.113.${i}`)).statusCode);
      expect(statuses.slice(3)).toEqual([429, 429, 429]);
      expect((await post('10.0.0.2', '203.0.113.9')).statusCode).toBe(403);
    } finally {
      await limited.close();
    }
  });
});

describe('oversized and malformed requests', () => {
  test('oversized bodies: 413 on the forms; the API URL ignores its body', async () => {
    const big = form({ username: 'alice', password: 'p'.repeat(200_000), _csrf: 'x' });
    expect((await h.app.inject({ method: 'POST', url: '/login', headers: { origin: PUBLIC_ORIGIN, 'content-type': FORM }, payload: big })).statusCode).toBe(413);
    expect((await h.app.inject({ method: 'POST', url: '/logout', headers: { origin: PUBLIC_ORIGIN, 'content-type': FORM }, payload: big })).statusCode).toBe(413);
    // The API URL never reads its body (a stream it does not buffer): a big one changes nothing.
    const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, 'content-type': 'application/json' }, payload: `{"a":"${'x'.repeat(100_000)}"}` });
    expect({ status: api.statusCode, body: api.body }).toEqual({ status: 401, body: '' });
  });

  test('fields over their limits and malformed forms or JSON: 4xx, never 5xx', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    const jar = cookieJar();
    jar.take(page.headers['set-cookie']);
    const csrf = csrfFrom(page.body);
    const bodies: Array<[string, string]> = [
      [FORM, form({ username: 'u'.repeat(400), password: PASSWORD, _csrf: csrf })],
      [FORM, form({ username: 'alice', password: 'p'.repeat(2000), _csrf: csrf })],
      [FORM, `username=alice&username=bob&password=x&_csrf=${csrf}`],
      [FORM, `username[0]=alice&password=x&_csrf=${csrf}`],
      [FORM, `__proto__[admin]=1&username=alice&password=x&_csrf=${csrf}`],
      [FORM, `username=%ZZ&password=%&_csrf=${csrf}`],
      [FORM, '&&&==&='],
      ['application/json', '{"username":'],
      ['text/plain', 'username=alice'],
      ['multipart/form-data; boundary=--x', '----x\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n----x--'],
    ];
    for (const [type, payload] of bodies) {
      const response = await h.app.inject({ method: 'POST', url: '/login', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': type }, payload });
      expect({ payload: payload.slice(0, 60), ok: response.statusCode >= 400 && response.statusCode < 500 }).toEqual({ payload: payload.slice(0, 60), ok: true });
      expect(String(response.headers['set-cookie'] ?? '')).not.toContain(SESSION_COOKIE);
    }
    expect(Object.prototype).not.toHaveProperty('admin');
  });

  test('oversized headers over a real socket: refused (431), and the server keeps serving', async () => {
    const served = await startHarness({ store, env: { LOG_LEVEL: 'silent' } });
    try {
      await served.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = served.app.server.address() as AddressInfo;
      // Node answers 431 and closes; a client still writing its huge header may see the reset first.
      const status = (headers: Record<string, string>) =>
        new Promise<number | 'reset'>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/api/session', method: 'POST', headers: { origin: RC_ORIGIN, ...headers }, timeout: 5000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve('reset') : reject(error)));
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.end();
        });
      expect([431, 'reset']).toContain(await status({ cookie: `${SESSION_COOKIE}=${'A'.repeat(64 * 1024)}` }));
      expect([431, 'reset']).toContain(await status({ 'x-filler': 'x'.repeat(20_000) }));
      expect(await status({})).toBe(401);
    } finally {
      await served.close();
    }
  });
});

describe('open redirects', () => {
  test('logout redirects only to the relative login page, whatever return/next-like parameter is sent', async () => {
    const params = [
      'next=https://evil.example', 'return=//evil.example', 'returnTo=https:%2F%2Fevil.example', 'redirect=/%5Cevil.example', 'redirect_uri=javascript:alert(1)',
      'continue=https://evil.example', 'url=//evil.example', 'client=electron&next=//evil.example',
    ];
    for (const query of params) {
      const jar = await loggedIn();
      const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
      const token = /data-csrf="([^"]+)"|name="_csrf" value="([^"]+)"|"csrf":"([^"]+)"/.exec(page.body)?.slice(1).find(Boolean) ?? '';
      const response = await h.app.inject({ method: 'POST', url: `/logout?${query}`, headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'x-csrf-token': token } });
      expect({ query, status: response.statusCode }).toEqual({ query, status: 303 });
      expect(response.headers.location).toMatch(/^login(\?client=[a-z]+)?$/);
    }
  });

  test('client and lang, the only parameters kept, cannot carry a URL', async () => {
    for (const query of ['client=//evil.example', 'client=https://evil.example', 'lang=//evil.example', 'lang=en%2F..%2F..%2Fevil', 'client=%0d%0aLocation:%20https://evil.example']) {
      const page = await h.app.inject({ method: 'GET', url: `/login?${query}` });
      expect({ query, status: page.statusCode }).toEqual({ query, status: 400 });
      expect(page.body).not.toContain('evil');
      const out = await h.app.inject({ method: 'POST', url: `/logout?${query}`, headers: { origin: PUBLIC_ORIGIN } });
      expect(out.headers.location).toBeUndefined();
    }
  });
});

describe('HTML injection in what the login page echoes', () => {
  const payloads = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '{{constructor.constructor("alert(1)")()}}',
    '</textarea><svg/onload=alert(1)>',
    'javascript:alert(1)',
    '\u003cscript\u003e',
  ];

  test('usernames, shown again after a failed login, are escaped and never evaluated as templates', async () => {
    for (const username of payloads) {
      const response = await login(h.app, cookieJar(), username, 'wrong');
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toMatch(/<script>alert|<img src=x|<svg|onerror=alert\(1\)>/);
      if (username.startsWith('{{')) expect(response.body).toContain('{{constructor.constructor(&quot;alert(1)&quot;)()}}');
    }
  });

  test('query parameters that would be echoed (lang into <html lang>, client into the form action) are refused, not reflected', async () => {
    for (const query of ['lang=en%22%3E%3Cscript%3Ealert(1)%3C/script%3E', 'client=a%22%20onmouseover=%22alert(1)', 'lang=en&lang=%3Cscript%3E']) {
      const page = await h.app.inject({ method: 'GET', url: `/login?${query}` });
      expect(page.statusCode).toBe(400);
      expect(page.body).not.toMatch(/<script>alert|onmouseover/);
    }
  });

  test('branding: a logo URL with quotes and markup cannot break out of its attribute; text with handlebars stays text', async () => {
    const branded = await startHarness({
      store,
      env: { BRANDING_LOGO_URL: 'https://cdn.example/"><script>alert(1)</script>', BRANDING_TEXT: '{{branding.title}} <b>x</b>', BRANDING_TITLE: "</title><script>alert('t')</script>", LOG_LEVEL: 'silent' },
    });
    try {
      const html = (await branded.app.inject({ method: 'GET', url: '/login' })).body;
      expect(html).not.toMatch(/<script>alert|"><script>|<b>x<\/b>/);
      expect(html).toContain('{{branding.title}} &lt;b&gt;x&lt;/b&gt;');
      expect(html).toMatch(/<img class="logo" src="https:\/\/cdn\.example\/[^"<>]*" alt="">/);
    } finally {
      await branded.close();
    }
  });
});
