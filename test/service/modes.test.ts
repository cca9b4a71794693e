/** The other modes as the routes see them: a `mongo` issuer (`{token}`), a site-session identity source. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDependencies } from '../../service/dependencies';
import { loadConfig } from '../../service/config';
import type { IdentitySource, RequestCredentials, SiteUser } from '../../service/identity/types';
import type { TokenIssuer } from '../../service/modes/issuer';
import { baseEnv, cookieJar, login, PASSWORD, RC_ORIGIN, startHarness } from './support/harness';

const alice: SiteUser = { sub: 'site-1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' };

function fakeMongoIssuer() {
  const issued: string[] = [];
  const issuer: TokenIssuer = {
    mode: 'mongo',
    async issue() {
      const token = `iframe-token-${issued.length + 1}`;
      issued.push(token);
      return { token };
    },
    async revoke() {},
    async ready() {
      return true;
    },
    async close() {},
  };
  return { issuer, issued };
}

test('mongo mode: the API URL answers exactly {token}; the done page asks Rocket.Chat to try-iframe-login', async () => {
  const { issuer, issued } = fakeMongoIssuer();
  const h = await startHarness({ deps: { issuer } });
  try {
    const jar = cookieJar();
    const done = await login(h.app, jar, 'alice', PASSWORD);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('data-mode="mongo"');
    expect(done.body).toContain('data-login-token=""');
    expect(done.body).toContain("event: 'try-iframe-login'");
    expect(done.body).not.toContain('iframe-token-1');
    const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(api.json()).toEqual({ token: 'iframe-token-1' });
    expect(issued).toHaveLength(1);
  } finally {
    await h.close();
  }
});

describe('a site-session identity source (forward / jwt-cookie)', () => {
  let current: SiteUser | undefined;
  let seen: RequestCredentials[];
  const siteIdentity: IdentitySource = {
    kind: 'forward',
    async fromRequest(credentials) {
      seen.push(credentials);
      return current;
    },
    ready: async () => true,
    close: async () => undefined,
  };
  beforeEach(() => {
    current = undefined;
    seen = [];
  });

  test('the API URL logs in whoever the site says, without our cookies reaching the site', async () => {
    const h = await startHarness({ deps: { identity: siteIdentity } });
    try {
      const nobody = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: 'site=abc' } });
      expect(nobody.statusCode).toBe(401);
      current = alice;
      const jar = cookieJar();
      const first = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: 'site=abc', authorization: 'Bearer t' } });
      expect(first.statusCode).toBe(200);
      jar.take(first.headers['set-cookie']);
      const cookie = `site=abc; ${jar.header()}`;
      const second = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });
      expect(second.json()).toEqual(first.json());
      expect(h.standIn.logins).toHaveLength(1);
      expect(seen.at(-1)).toEqual({ cookie: 'site=abc', authorization: undefined });
      expect(seen[1]).toEqual({ cookie: 'site=abc', authorization: 'Bearer t' });

      // The site session ended: our cookie no longer logs anyone in.
      current = undefined;
      const after = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });
      expect(after.statusCode).toBe(401);
      expect(String(after.headers['set-cookie'])).toMatch(/__Host-rcib_session=;/);
      // Another user at the site: a new session, not the old one.
      current = { ...alice, sub: 'site-2', username: 'bob', email: 'bob@example.com' };
      const bob = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });
      expect(bob.statusCode).toBe(200);
      expect(h.standIn.logins.at(-1)?.username).toBe('bob');
    } finally {
      await h.close();
    }
  });

  test('GET /login delivers at once for a site session, and otherwise points to the site', async () => {
    const h = await startHarness({ deps: { identity: siteIdentity }, env: { SITE_LOGIN_URL: 'https://www.example.org/signin?next=chat' } });
    try {
      const none = await h.app.inject({ method: 'GET', url: '/login' });
      expect(none.statusCode).toBe(401);
      expect(none.body).toContain('href="https://www.example.org/signin?next&#x3D;chat"');
      current = alice;
      const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: 'site=abc' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`data-login-token="${h.standIn.tokens[0]}"`);
    } finally {
      await h.close();
    }
  });

  test('the site being down is 503, not 401', async () => {
    const failing: IdentitySource = { ...siteIdentity, fromRequest: () => Promise.reject(new Error('site down')) };
    const h = await startHarness({ deps: { identity: failing } });
    try {
      const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN } });
      expect(api.statusCode).toBe(503);
      expect(api.body).toBe('');
      expect((await h.app.inject({ method: 'GET', url: '/login' })).statusCode).toBe(503);
    } finally {
      await h.close();
    }
  });
});

test('createDependencies wires the forward source from the configuration', async () => {
  const site = createServer((request, response) => {
    const known = request.headers.cookie === 'site=abc';
    response.writeHead(known ? 200 : 401, { 'content-type': 'application/json' }).end(known ? JSON.stringify({ id: 'site-7', username: 'zoe', mail: 'zoe@example.com', email_verified: true, name: 'Zoe' }) : '{}');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/me`;
  const config = loadConfig(baseEnv({ IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: url, FORWARD_FIELD_MAP: 'sub=id,email=mail' }) as NodeJS.ProcessEnv);
  const deps = await createDependencies(config);
  try {
    expect(deps.identity.kind).toBe('forward');
    expect(deps.issuer.mode).toBe('app');
    expect(await deps.identity.fromRequest?.({ cookie: 'site=abc' })).toMatchObject({ sub: 'site-7', username: 'zoe', email: 'zoe@example.com' });
    expect(await deps.identity.fromRequest?.({ cookie: 'site=nope' })).toBeUndefined();
  } finally {
    await deps.close();
    site.closeAllConnections();
    await new Promise<void>((resolve) => site.close(() => resolve()));
  }
});
