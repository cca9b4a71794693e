/**
 * One header set per kind of answer: pages (text/html) carry helmet's full set and the nonce
 * CSP; every other answer (the API URL, back-channel logout, health, metrics, errors) carries
 * the small set a JSON API needs (OWASP REST Security) and none of the document-only headers.
 */
import { BACKCHANNEL_LOGOUT_PATH } from '../../app/contract/backchannel';
import { helmetHeaders } from '../../service/plugins/security-headers';
import { cookieJar, login, PASSWORD, RC_ORIGIN, seededStore, startHarness, type Harness } from './support/harness';
import type { UserStore } from '../../service/users/types';

const API_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': `default-src 'none'; frame-ancestors ${RC_ORIGIN}`,
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-resource-policy': 'same-origin',
};

/** Only a document acts on these; they are no use on a JSON answer. */
const DOCUMENT_ONLY = ['cross-origin-opener-policy', 'origin-agent-cluster', 'referrer-policy', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];

/** Headers that describe the answer itself or come from CORS, cookies, limits and the transport. */
const NOT_SECURITY = /^(content-type|content-length|date|connection|keep-alive|vary|set-cookie|retry-after|x-ratelimit-.*|access-control-.*)$/;

let store: UserStore;
let h: Harness;
beforeAll(async () => {
  store = await seededStore();
  h = await startHarness({ store, env: { BACKCHANNEL_SECRET: 'backchannel-secret-of-at-least-32-bytes!' } });
});
afterAll(() => h.close());

function securityHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !NOT_SECURITY.test(name)));
}

describe('helmet, computed once', () => {
  test("helmet's set for our options: no X-Frame-Options or CSP of its own, our Referrer-Policy", async () => {
    const headers = await helmetHeaders();
    expect(headers['x-frame-options']).toBeUndefined();
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    for (const name of [...DOCUMENT_ONLY, ...Object.keys(API_HEADERS).filter((n) => n !== 'cache-control' && n !== 'content-security-policy')]) expect(headers[name]).toBeDefined();
  });
});

describe('JSON answers carry exactly the API set', () => {
  test('the API URL: 200 with a token, 401 without a session, the CORS preflight', async () => {
    const jar = cookieJar();
    expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
    const ok = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(ok.statusCode).toBe(200);
    const none = await h.app.inject({ method: 'GET', url: '/api/session', headers: { origin: RC_ORIGIN } });
    expect(none.statusCode).toBe(401);
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/session',
      headers: { origin: RC_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBe(204);
    for (const response of [ok, none, preflight]) expect(securityHeaders(response.headers)).toEqual(API_HEADERS);
    // CORS still grants exactly Rocket.Chat's origin on top of them.
    expect(ok.headers['access-control-allow-origin']).toBe(RC_ORIGIN);
  });

  test('health, readiness, metrics, not found, a refused back-channel logout', async () => {
    const answers = await Promise.all([
      h.app.inject({ method: 'GET', url: '/healthz' }),
      h.app.inject({ method: 'GET', url: '/readyz' }),
      h.app.inject({ method: 'GET', url: '/metrics' }),
      h.app.inject({ method: 'GET', url: '/nope?code=x' }),
      h.app.inject({ method: 'POST', url: BACKCHANNEL_LOGOUT_PATH, headers: { 'content-type': 'application/json' }, payload: '{"logout_token":' }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 404, 400]);
    for (const response of answers) {
      expect(securityHeaders(response.headers)).toEqual(API_HEADERS);
      for (const name of DOCUMENT_ONLY) expect(response.headers[name]).toBeUndefined();
    }
  });
});

describe('pages carry helmet and the nonce CSP', () => {
  test('GET /login: every helmet header, and a CSP whose nonce is the one on the page', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    for (const [name, value] of Object.entries(await helmetHeaders())) expect(page.headers[name]).toBe(value);
    const csp = String(page.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([A-Za-z0-9_-]{22})'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(csp).toContain(`frame-ancestors ${RC_ORIGIN}`);
    expect(page.body).toContain(`nonce="${nonce}"`);
    // A new nonce for every page.
    const again = await h.app.inject({ method: 'GET', url: '/login' });
    expect(String(again.headers['content-security-policy'])).not.toContain(nonce);
  });

  test('a page answered on an error path (the login rate limit) is still a page', async () => {
    const limited = await startHarness({ store, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '1', LOG_LEVEL: 'silent' } });
    try {
      const post = () =>
        limited.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=alice&password=x&_csrf=x' });
      await post();
      const page = await post();
      expect(page.statusCode).toBe(429);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      for (const [name, value] of Object.entries(await helmetHeaders())) expect(page.headers[name]).toBe(value);
      expect(String(page.headers['content-security-policy'])).toMatch(/script-src 'nonce-[A-Za-z0-9_-]{22}'/);
    } finally {
      await limited.close();
    }
  });
});
