import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT, BACKCHANNEL_LOGOUT_PATH } from '../../app/contract/backchannel';
import { createLocalIdentity } from '../../service/identity/local';
import { createMemoryRevocationList } from '../../service/sessions/memory-revocation';
import type { UserStore } from '../../service/users/types';
import { cookieJar, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, seededStore, startHarness, type Harness } from './support/harness';

const BACKCHANNEL_SECRET = 'backchannel-secret-of-at-least-32-bytes!';
const SITE_ISSUER = 'https://www.example.org';
const ENV = { BACKCHANNEL_SECRET, BACKCHANNEL_SITE_ISSUER: SITE_ISSUER };
const now = () => Math.floor(Date.now() / 1000);

/** A logout token as the App signs it (iss = its assertion_audience, aud = its assertion_issuer). */
async function logoutToken(overrides: { claims?: JWTPayload; header?: Record<string, unknown>; secret?: string; omit?: string[] } = {}): Promise<string> {
  const iat = now();
  const claims: JWTPayload = {
    iss: RC_ORIGIN,
    aud: PUBLIC_ORIGIN,
    iat,
    exp: iat + 60,
    jti: randomUUID(),
    sub: 'sub-alice',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...overrides.claims,
  };
  for (const name of overrides.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'logout+jwt', ...overrides.header } as { alg: string })
    .sign(new TextEncoder().encode(overrides.secret ?? BACKCHANNEL_SECRET));
}

const post = (h: Harness, payload: unknown) =>
  h.app.inject({ method: 'POST', url: BACKCHANNEL_LOGOUT_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const askApiUrl = (h: Harness, cookie: string) => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });

describe('POST /backchannel/logout', () => {
  let store: UserStore;
  let first: Harness;
  let second: Harness;

  beforeAll(async () => {
    store = await seededStore();
  });
  beforeEach(async () => {
    const revocations = createMemoryRevocationList();
    first = await startHarness({ store, env: ENV, deps: { revocations } });
    second = await startHarness({ store, env: ENV, standIn: first.standIn, deps: { revocations, identity: createLocalIdentity(store) } });
  });
  afterEach(async () => {
    await second.close();
    await first.close();
  });

  test("the App's token ends every session of the user on another replica; the App is not called back; a replay is refused", async () => {
    const jar = cookieJar();
    await login(first.app, jar, 'alice', PASSWORD);
    const cookie = jar.header();
    expect((await askApiUrl(second, cookie)).statusCode).toBe(200);
    const logoutsBefore = first.standIn.logouts.length;

    const token = await logoutToken();
    const out = await post(first, { logout_token: token });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ loggedOut: true });
    expect(out.headers['cache-control']).toBe('no-store');
    expect(out.headers['access-control-allow-origin']).toBeUndefined();

    for (const h of [first, second]) expect((await askApiUrl(h, cookie)).statusCode).toBe(401);
    expect(first.standIn.logouts).toHaveLength(logoutsBefore);

    // The same token again, on either replica: single use.
    for (const h of [second, first]) {
      const replay = await post(h, { logout_token: token });
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual({ error: 'invalid_token' });
    }
    for (const h of [first, second]) {
      expect(h.logs.text).not.toContain(token);
      expect(h.logs.text).not.toContain(BACKCHANNEL_SECRET);
      expect(h.logs.text).not.toContain(cookie.split('=')[1]);
    }
  });

  test("the site backend's token also ends the user's Rocket.Chat logins through the App", async () => {
    const jar = cookieJar();
    await login(first.app, jar, 'alice', PASSWORD);
    const before = first.standIn.logouts.length;
    const profile = { username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' };
    const out = await post(second, { logout_token: await logoutToken({ claims: { iss: SITE_ISSUER, ...profile } }) });
    expect(out.statusCode).toBe(200);
    expect(first.standIn.logouts).toHaveLength(before + 1);
    expect(first.standIn.logouts.at(-1)).toMatchObject({ sub: 'sub-alice', username: 'alice' });
    expect((await askApiUrl(first, jar.header())).statusCode).toBe(401);

    // Without a profile the site session still ends, and the log says why Rocket.Chat was left alone.
    const bare = await post(second, { logout_token: await logoutToken({ claims: { iss: SITE_ISSUER } }) });
    expect(bare.statusCode).toBe(200);
    expect(first.standIn.logouts).toHaveLength(before + 1);
    expect(second.logs.text).toContain('Rocket.Chat logins left as they are');
  });

  test('a form-encoded body works too (the OIDC spec posts a form); other users keep their sessions', async () => {
    const jar = cookieJar();
    await login(first.app, jar, 'alice', PASSWORD);
    const out = await first.app.inject({
      method: 'POST',
      url: BACKCHANNEL_LOGOUT_PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ logout_token: await logoutToken({ claims: { sub: 'sub-somebody-else' } }) }).toString(),
    });
    expect(out.statusCode).toBe(200);
    expect((await askApiUrl(first, jar.header())).statusCode).toBe(200);
  });

  test.each([
    ['wrong secret', { secret: 'another-secret-of-at-least-32-bytes-long' }],
    ['wrong issuer', { claims: { iss: 'https://evil.example' } }],
    ['wrong audience', { claims: { aud: RC_ORIGIN } }],
    ['expired', { claims: { iat: now() - 300, exp: now() - 240 } }],
    ['lifetime over 60 s', { claims: { exp: now() + 3600 } }],
    ['an iat in the future', { claims: { iat: now() + 600, exp: now() + 630 } }],
    ['no events', { omit: ['events'] }],
    ['events without the logout event', { claims: { events: { 'http://example.com/other': {} } } }],
    ['no jti', { omit: ['jti'] }],
    ['no sub', { omit: ['sub'] }],
    ['a nonce (an ID token, not a logout token)', { claims: { nonce: 'n' } }],
    ['typ of a login assertion', { header: { typ: 'JWT' } }],
  ])('refuses a token with %s: 401, session intact', async (_name, overrides) => {
    const jar = cookieJar();
    await login(first.app, jar, 'alice', PASSWORD);
    const out = await post(first, { logout_token: await logoutToken(overrides) });
    expect(out.statusCode).toBe(401);
    expect(out.json()).toEqual({ error: 'invalid_token' });
    expect((await askApiUrl(second, jar.header())).statusCode).toBe(200);
  });

  test('refuses another algorithm (HS512, none) with 401', async () => {
    const key = new TextEncoder().encode(BACKCHANNEL_SECRET);
    const iat = now();
    const claims = { iss: RC_ORIGIN, aud: PUBLIC_ORIGIN, iat, exp: iat + 30, jti: randomUUID(), sub: 'sub-alice', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } };
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(key);
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    for (const token of [hs512, none, 'not.a.jwt']) expect((await post(first, { logout_token: token })).statusCode).toBe(401);
  });

  test('a body that is not {logout_token} is 400 invalid_request', async () => {
    for (const payload of [{}, { token: 'x' }, { logout_token: '' }, { logout_token: 'x'.repeat(9000) }]) {
      const out = await post(first, payload);
      expect(out.statusCode).toBe(400);
      expect(out.json()).toEqual({ error: 'invalid_request' });
    }
    const broken = await first.app.inject({ method: 'POST', url: BACKCHANNEL_LOGOUT_PATH, headers: { 'content-type': 'application/json' }, payload: '{"logout_token":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ error: 'invalid_request' });
  });

  test('no CORS: a request from the Rocket.Chat origin gets no grant', async () => {
    const out = await first.app.inject({
      method: 'POST',
      url: BACKCHANNEL_LOGOUT_PATH,
      headers: { origin: RC_ORIGIN, 'content-type': 'application/json' },
      payload: JSON.stringify({ logout_token: await logoutToken() }),
    });
    expect(out.statusCode).toBe(200);
    expect(out.headers['access-control-allow-origin']).toBeUndefined();
    expect(out.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('POST /backchannel/logout without BACKCHANNEL_SECRET', () => {
  test('is 404', async () => {
    const h = await startHarness();
    try {
      const out = await post(h, { logout_token: await logoutToken() });
      expect(out.statusCode).toBe(404);
    } finally {
      await h.close();
    }
  });
});

describe('POST /backchannel/logout rate limit', () => {
  test('answers 429 past API_RATE_LIMIT_PER_MINUTE', async () => {
    const h = await startHarness({ env: { ...ENV, API_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await post(h, { logout_token: 'x' })).statusCode);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await h.close();
    }
  });
});
