import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createForwardIdentity, credentialKey } from '../../../service/identity/forward';
import type { IdentityLog } from '../../../service/identity/site-user';
import type { IdentitySource, RequestCredentials } from '../../../service/identity/types';

const SESSION_COOKIE = 'site_session=s3cr3t-cookie-value';
const BEARER = 'Bearer s3cr3t-bearer';
const user = { sub: 'site-1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' };

/** The site's session endpoint, standing in for a real one over a real socket. */
interface Site {
  url(path: string): string;
  seen: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startSite(): Promise<Site> {
  const seen: Site['seen'] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, headers: req.headers });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const known = req.headers.cookie === SESSION_COOKIE || req.headers.authorization === BEARER;
    if (path === '/session') return known ? json(200, user) : json(401, { error: 'no session' });
    if (path === '/mapped') return json(200, { id: 42, login: 'bob', profile: { mail: 'bob@example.com', verified: true }, display: 'Bob' });
    if (path === '/invalid') return json(200, { ...user, username: 'not a username!' });
    if (path === '/bad-json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"sub": "site-1", ');
    if (path === '/html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    if (path === '/big') return res.writeHead(200).end(JSON.stringify({ ...user, padding: 'x'.repeat(200_000) }));
    if (path === '/redirect') return res.writeHead(302, { location: '/session' }).end();
    if (path === '/error') return json(500, user);
    if (path === '/slow') return void setTimeout(() => json(200, user), 2000);
    if (path === '/slow-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sub":');
      return void setTimeout(() => res.end('"site-1"}'), 2000);
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function recordingLog(): IdentityLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (details, message) => void lines.push(JSON.stringify({ ...details, message })) };
}

describe('forward identity source (a real local HTTP server as the site)', () => {
  let site: Site;
  let log: ReturnType<typeof recordingLog>;
  const sources: IdentitySource[] = [];

  function source(path: string, extra: Partial<Parameters<typeof createForwardIdentity>[0]> = {}): IdentitySource {
    const created = createForwardIdentity({ url: site.url(path), timeoutMs: 300, cacheSeconds: 0, fieldMap: {}, log, ...extra });
    sources.push(created);
    return created;
  }

  beforeEach(async () => {
    site = await startSite();
    log = recordingLog();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await site.close();
  });

  test('forwards the Cookie header and reads the user', async () => {
    expect(await source('/session').fromRequest?.({ cookie: SESSION_COOKIE })).toEqual(user);
    expect(site.seen[0].headers.cookie).toBe(SESSION_COOKIE);
    expect(site.seen[0].headers.authorization).toBeUndefined();
  });

  test('forwards the Authorization header', async () => {
    expect(await source('/session').fromRequest?.({ authorization: BEARER })).toEqual(user);
    expect(site.seen[0].headers.authorization).toBe(BEARER);
    expect(site.seen[0].headers.cookie).toBeUndefined();
  });

  test('forwards nothing else of the browser\'s, even if the caller passes more', async () => {
    const browser = { cookie: SESSION_COOKIE, authorization: BEARER, 'user-agent': 'Mozilla/5.0 Browser', 'x-forwarded-for': '203.0.113.9', origin: 'https://chat.example.com' };
    await source('/session').fromRequest?.(browser as RequestCredentials);
    const headers = site.seen[0].headers;
    expect(headers['x-forwarded-for']).toBeUndefined();
    expect(headers.origin).toBeUndefined();
    expect(headers['user-agent']).not.toBe('Mozilla/5.0 Browser');
    // What is left is the HTTP client's own plumbing.
    const allowed = ['host', 'connection', 'accept', 'accept-encoding', 'accept-language', 'sec-fetch-mode', 'user-agent', 'cookie', 'authorization'];
    expect(Object.keys(headers).filter((name) => !allowed.includes(name))).toEqual([]);
    expect(headers.accept).toBe('application/json');
  });

  test('without credentials the site is not asked', async () => {
    expect(await source('/session').fromRequest?.({})).toBeUndefined();
    expect(site.seen).toHaveLength(0);
  });

  test('field names are remapped, dotted paths reach nested fields, numeric ids become strings', async () => {
    const mapped = source('/mapped', { fieldMap: { sub: 'id', username: 'login', email: 'profile.mail', email_verified: 'profile.verified', name: 'display' } });
    expect(await mapped.fromRequest?.({ cookie: SESSION_COOKIE })).toEqual({ sub: '42', username: 'bob', email: 'bob@example.com', email_verified: true, name: 'Bob' });
  });

  test.each([['/session (no session: 401)'], ['/error'], ['/redirect'], ['/missing']])('a non-200 answer is nobody: %s', async (label) => {
    const path = label.split(' ')[0];
    expect(await source(path).fromRequest?.({ cookie: 'site_session=unknown' })).toBeUndefined();
  });

  test('a redirect is not followed (the cookie never goes to another URL)', async () => {
    await source('/redirect').fromRequest?.({ cookie: SESSION_COOKIE });
    expect(site.seen.map((s) => s.path)).toEqual(['/redirect']);
  });

  test('a slow site is nobody within the timeout', async () => {
    const started = Date.now();
    expect(await source('/slow').fromRequest?.({ cookie: SESSION_COOKIE })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(log.lines.join()).toContain('"problem":"timeout"');
  });

  test('a body that stalls after the headers is nobody within the timeout', async () => {
    const started = Date.now();
    expect(await source('/slow-body').fromRequest?.({ cookie: SESSION_COOKIE })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test.each([
    ['/bad-json', 'bad_json'],
    ['/html', 'bad_json'],
    ['/invalid', 'bad_claim:username'],
    ['/big', 'reply_too_large'],
  ])('a bad reply (%s) is nobody, logged as %s without secrets', async (path, problem) => {
    expect(await source(path).fromRequest?.({ cookie: SESSION_COOKIE, authorization: BEARER })).toBeUndefined();
    expect(log.lines).toHaveLength(1);
    expect(JSON.parse(log.lines[0]).problem).toBe(problem);
    expect(log.lines.join()).not.toMatch(/s3cr3t/);
  });

  test('an unreachable site is nobody', async () => {
    const url = site.url('/session');
    await site.close();
    const down = createForwardIdentity({ url, timeoutMs: 300, cacheSeconds: 5, fieldMap: {}, log });
    expect(await down.fromRequest?.({ cookie: SESSION_COOKIE })).toBeUndefined();
    await expect(down.ready()).rejects.toThrow(`FORWARD_AUTH_URL ${url} is unreachable (ECONNREFUSED)`);
    site = await startSite();
  });

  test('a cache hit avoids a second call; other credentials are asked', async () => {
    const cached = source('/session', { cacheSeconds: 30 });
    expect(await cached.fromRequest?.({ cookie: SESSION_COOKIE })).toEqual(user);
    expect(await cached.fromRequest?.({ cookie: SESSION_COOKIE })).toEqual(user);
    expect(site.seen).toHaveLength(1);
    expect(await cached.fromRequest?.({ authorization: BEARER })).toEqual(user);
    expect(site.seen).toHaveLength(2);
  });

  test('cache entries expire after cacheSeconds', async () => {
    const cached = source('/session', { cacheSeconds: 2 });
    const now = jest.spyOn(Date, 'now');
    try {
      await cached.fromRequest?.({ cookie: SESSION_COOKIE });
      const later = Date.now() + 2500;
      now.mockReturnValue(later);
      await cached.fromRequest?.({ cookie: SESSION_COOKIE });
      expect(site.seen).toHaveLength(2);
    } finally {
      now.mockRestore();
    }
  });

  test('"nobody" is not cached: a user who just logged in at the site is seen at once', async () => {
    const cached = source('/session', { cacheSeconds: 30 });
    expect(await cached.fromRequest?.({ cookie: 'site_session=unknown' })).toBeUndefined();
    expect(await cached.fromRequest?.({ cookie: 'site_session=unknown' })).toBeUndefined();
    expect(site.seen).toHaveLength(2);
  });

  test('concurrent calls with the same credentials share one request', async () => {
    const cached = source('/session', { cacheSeconds: 30 });
    const results = await Promise.all([1, 2, 3].map(() => cached.fromRequest?.({ cookie: SESSION_COOKIE })));
    expect(results).toEqual([user, user, user]);
    expect(site.seen).toHaveLength(1);
  });

  test('the cache key is a SHA-256 of the credentials, never the cookie itself', () => {
    const key = credentialKey({ cookie: SESSION_COOKIE, authorization: BEARER });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('s3cr3t');
    // Cookie and Authorization are kept apart: moving bytes between them is another key.
    expect(credentialKey({ cookie: 'ab' })).not.toBe(credentialKey({ cookie: 'a', authorization: 'b' }));
    expect(credentialKey({ cookie: 'x' })).not.toBe(credentialKey({ authorization: 'x' }));
  });

  test('ready() is true when the URL answers at all, even 401', async () => {
    expect(await source('/session').ready()).toBe(true);
    expect(site.seen[0].headers.cookie).toBeUndefined();
  });
});
