import { createLocalIdentity } from '../../service/identity/local';
import { createMemoryRevocationList } from '../../service/sessions/memory-revocation';
import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, seededStore, startHarness } from './support/harness';

describe('POST /logout', () => {
  test('ends the session on every instance sharing the revocation list, and revokes through the App', async () => {
    const store = await seededStore();
    const revocations = createMemoryRevocationList();
    const first = await startHarness({ store, deps: { revocations } });
    const second = await startHarness({ store, standIn: first.standIn, deps: { revocations, identity: createLocalIdentity(store) } });
    try {
      const jar = cookieJar();
      const done = await login(first.app, jar, 'alice', PASSWORD, '?client=electron');
      const csrf = csrfFrom(done.body);
      const ask = (app: typeof first.app) => app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      expect((await ask(second.app)).statusCode).toBe(200);
      const before = jar.header();

      const out = await first.app.inject({
        method: 'POST',
        url: '/logout?client=electron',
        headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf }).toString(),
      });
      expect(out.statusCode).toBe(303);
      expect(out.headers.location).toBe('login?client=electron');
      expect(String(out.headers['set-cookie'])).toMatch(/__Host-rcib_session=; Max-Age=0|__Host-rcib_session=;.*Expires=Thu, 01 Jan 1970/);
      expect(first.standIn.logouts).toHaveLength(1);
      expect(first.standIn.logouts[0]).toMatchObject({ sub: 'sub-alice' });

      // The old cookie (say, replayed by a browser that kept it) is dead on both replicas.
      for (const app of [first.app, second.app]) {
        const replay = await app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: before } });
        expect(replay.statusCode).toBe(401);
      }
      const page = await second.app.inject({ method: 'GET', url: '/login', headers: { cookie: before } });
      expect(page.body).toContain('name="password"');
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('fetch-style logout with the CSRF header answers JSON', async () => {
    const h = await startHarness();
    try {
      const jar = cookieJar();
      const done = await login(h.app, jar, 'alice', PASSWORD);
      const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(done.body) } });
      expect(out.statusCode).toBe(200);
      expect(out.json()).toEqual({ loggedOut: true });
    } finally {
      await h.close();
    }
  });

  test('without a valid CSRF token or from a foreign origin: 403, session intact', async () => {
    const h = await startHarness();
    try {
      const jar = cookieJar();
      const done = await login(h.app, jar, 'alice', PASSWORD);
      const csrf = csrfFrom(done.body);
      const noToken = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN } });
      expect(noToken.statusCode).toBe(403);
      const foreign = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: RC_ORIGIN, 'x-csrf-token': csrf } });
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json()).toEqual({ error: 'forbidden' });
      const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      expect(api.statusCode).toBe(200);
      expect(h.standIn.logouts).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  test('the App being down does not keep the user logged in', async () => {
    const h = await startHarness();
    try {
      const jar = cookieJar();
      const done = await login(h.app, jar, 'alice', PASSWORD);
      h.standIn.failWith = 502;
      const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'x-csrf-token': csrfFrom(done.body) } });
      expect(out.statusCode).toBe(303);
      h.standIn.failWith = undefined;
      const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      expect(api.statusCode).toBe(401);
    } finally {
      await h.close();
    }
  });

  test('is rate limited per IP like the other form POSTs (LOGIN_RATE_LIMIT_PER_MINUTE, its own count): 429 page for a form, JSON when fetched', async () => {
    const h = await startHarness({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const jar = cookieJar();
      const done = await login(h.app, jar, 'alice', PASSWORD, '?lang=de');
      const csrf = csrfFrom(done.body);
      const post = (headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
        h.app.inject({ method: 'POST', url: '/logout?lang=de', remoteAddress, headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, ...headers } });
      // Two refused logouts (no CSRF token) use up the limit; the third is refused before its token is even read.
      expect((await post()).statusCode).toBe(403);
      expect((await post()).statusCode).toBe(403);
      const page = await post({ 'content-type': 'application/x-www-form-urlencoded' }, '127.0.0.1');
      expect(page.statusCode).toBe(429);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<html lang="de">');
      expect(page.headers['retry-after']).toBeDefined();
      const fetched = await post({ accept: 'application/json', 'x-csrf-token': csrf });
      expect(fetched.statusCode).toBe(429);
      expect(fetched.json()).toEqual({ error: 'too_many_requests' });
      expect(h.standIn.logouts).toHaveLength(0);
      // Another IP is not affected, and the login form keeps its own count.
      const other = await post({ accept: 'application/json', 'x-csrf-token': csrf }, '198.51.100.7');
      expect(other.statusCode).toBe(200);
      expect(h.standIn.logouts).toHaveLength(1);
      expect((await login(h.app, cookieJar(), 'alice', PASSWORD)).statusCode).toBe(200);
    } finally {
      await h.close();
    }
  });

  test("a full memory revocation list ends the user's sessions up to this one instead", async () => {
    const revocations = createMemoryRevocationList({ maxEntries: 1 });
    const h = await startHarness({ deps: { revocations } });
    try {
      // Someone else's logout holds the one session slot.
      await revocations.revoke('someone-else', Math.floor(Date.now() / 1000) + 3600);
      const jar = cookieJar();
      const done = await login(h.app, jar, 'alice', PASSWORD);
      const before = jar.header();
      const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: before, origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(done.body) } });
      expect(out.statusCode).toBe(200);
      expect((await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: before } })).statusCode).toBe(401);
      expect(await revocations.isRevoked('someone-else')).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('when the memory revocation list cannot hold the logout at all, it fails (503, logged) instead of forgetting an earlier one or reporting success', async () => {
    const revocations = createMemoryRevocationList({ maxEntries: 1 });
    const h = await startHarness({ deps: { revocations } });
    try {
      const at = Math.floor(Date.now() / 1000);
      await revocations.revoke('someone-else', at + 3600);
      await revocations.revokeSubject('sub-someone', at, at + 3600);
      const jar = cookieJar();
      const done = await login(h.app, jar, 'alice', PASSWORD);
      const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(done.body) } });
      expect(out.statusCode).toBe(503);
      expect(out.json()).toEqual({ error: 'internal_error' });
      expect(out.headers['set-cookie']).toBeUndefined();
      expect(h.logs.text).toContain('revocation list full');
      expect(h.standIn.logouts).toHaveLength(0);
      // Nothing held was dropped to make room.
      expect(await revocations.isRevoked('someone-else')).toBe(true);
      expect(await revocations.isRevoked('x', { sub: 'sub-someone', iat: at - 1 })).toBe(true);
    } finally {
      await h.close();
    }
  });
});
