/**
 * A Rocket.Chat logout with a site-session identity source (forward, jwt-cookie): after a Rocket.Chat logout
 * (the App's back-channel logout), the site's still-live session must not log the user straight
 * back in. jwt-cookie: only a JWT issued after the logout starts a session. forward (no issue
 * time): the API URL answers 401 and the Iframe URL asks "Continue as <name>", a CSRF-protected
 * POST that starts a session dated after the logout. A logout from the site's backend is unchanged.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT, BACKCHANNEL_LOGOUT_PATH } from '../../app/contract/backchannel';
import { createJwtCookieIdentity } from '../../service/identity/jwt-cookie';
import type { IdentitySource, RequestCredentials, SiteUser } from '../../service/identity/types';
import { createMemoryRevocationList } from '../../service/sessions/memory-revocation';
import { cookieJar, csrfFrom, PUBLIC_ORIGIN, RC_ORIGIN, startHarness, type Harness } from './support/harness';

const BACKCHANNEL_SECRET = 'backchannel-secret-of-at-least-32-bytes!';
const SITE_ISSUER = 'https://www.example.org';
const ENV = { BACKCHANNEL_SECRET, BACKCHANNEL_SITE_ISSUER: SITE_ISSUER };
const now = () => Math.floor(Date.now() / 1000);
const alice: SiteUser = { sub: 'site-alice', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice <Example>' };

async function logoutToken(claims: JWTPayload = {}): Promise<string> {
  const iat = now();
  return new SignJWT({ iss: RC_ORIGIN, aud: PUBLIC_ORIGIN, iat, exp: iat + 60, jti: randomUUID(), sub: alice.sub, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'logout+jwt' })
    .sign(new TextEncoder().encode(BACKCHANNEL_SECRET));
}

/** The App after a Rocket.Chat logout (iss = its assertion_audience = RC_ORIGIN), or the site's backend. */
async function backchannelLogout(h: Harness, from: 'app' | 'site' = 'app'): Promise<void> {
  const claims = from === 'site' ? { iss: SITE_ISSUER } : {};
  const out = await h.app.inject({ method: 'POST', url: BACKCHANNEL_LOGOUT_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ logout_token: await logoutToken(claims) }) });
  expect(out.statusCode).toBe(200);
}

const apiUrl = (h: Harness, cookie: string) => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });
const sessionCookieSet = (headers: Record<string, unknown>) => ([] as string[]).concat((headers['set-cookie'] as string[] | string | undefined) ?? []).some((line) => /^__Host-rcib_session=[^;]/.test(line));

describe('IDENTITY_SOURCE=jwt-cookie after a Rocket.Chat logout', () => {
  const SITE_SECRET = 'site-jwt-secret-of-at-least-32-bytes!!';
  const identity = createJwtCookieIdentity({ cookieName: 'site_jwt', key: SITE_SECRET, issuer: SITE_ISSUER, audience: 'chat-bridge', algorithms: ['HS256'], fieldMap: {} });
  const siteJwt = async (iat: number | undefined) => {
    const jwt = new SignJWT({ ...alice }).setProtectedHeader({ alg: 'HS256' }).setIssuer(SITE_ISSUER).setAudience('chat-bridge').setExpirationTime(now() + 600);
    if (iat !== undefined) jwt.setIssuedAt(iat);
    return `site_jwt=${await jwt.sign(new TextEncoder().encode(SITE_SECRET))}`;
  };
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: ENV, deps: { identity, revocations: createMemoryRevocationList() } });
  });
  afterEach(() => h.close());

  test("the site's older JWT is refused (401, with or without our cookie); a JWT issued after the logout answers 200", async () => {
    const old = await siteJwt(now() - 30);
    const first = await apiUrl(h, old);
    expect(first.statusCode).toBe(200);
    const jar = cookieJar();
    jar.take(first.headers['set-cookie']);
    const withSession = `${old}; ${jar.header()}`;
    expect((await apiUrl(h, withSession)).statusCode).toBe(200);

    await backchannelLogout(h);
    for (const cookie of [withSession, old]) {
      const after = await apiUrl(h, cookie);
      expect(after.statusCode).toBe(401);
      expect(after.body).toBe('');
      expect(sessionCookieSet(after.headers)).toBe(false);
    }
    // The Iframe URL asks instead of signing the user back in.
    const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: old } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('You signed out of chat');
    expect(h.standIn.tokens).toHaveLength(1);

    // Signing in at the site again issues a newer JWT: it just works once it is dated past the mark plus the 30 s clock skew.
    const fresh = await siteJwt(now() + 31);
    const again = await apiUrl(h, fresh);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ loginToken: h.standIn.tokens[1] });
    expect(sessionCookieSet(again.headers)).toBe(true);
  });

  test('a JWT without iat counts as older than the logout', async () => {
    const undated = await siteJwt(undefined);
    expect((await apiUrl(h, undated)).statusCode).toBe(200);
    await backchannelLogout(h);
    expect((await apiUrl(h, undated)).statusCode).toBe(401);
  });

  test("another user's logout changes nothing for this one", async () => {
    const old = await siteJwt(now() - 30);
    const out = await h.app.inject({
      method: 'POST',
      url: BACKCHANNEL_LOGOUT_PATH,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ logout_token: await logoutToken({ sub: 'site-bob' }) }),
    });
    expect(out.statusCode).toBe(200);
    expect((await apiUrl(h, old)).statusCode).toBe(200);
  });
});

describe('IDENTITY_SOURCE=forward after a Rocket.Chat logout', () => {
  /** The site's session, as FORWARD_AUTH_URL would answer: `site=abc` is Alice while `signedIn` holds. */
  let signedIn = true;
  const identity: IdentitySource = {
    kind: 'forward',
    fromRequest: async (credentials: RequestCredentials) => (signedIn && credentials.cookie?.includes('site=abc') ? alice : undefined),
    ready: async () => true,
    close: async () => undefined,
  };
  let h: Harness;
  beforeEach(async () => {
    signedIn = true;
    h = await startHarness({ env: ENV, deps: { identity, revocations: createMemoryRevocationList() } });
  });
  afterEach(() => h.close());

  /** A browser signed in at the site and, through the API URL, to chat. */
  async function signedInBrowser() {
    const jar = cookieJar();
    jar.take('site=abc');
    const first = await apiUrl(h, jar.header());
    expect(first.statusCode).toBe(200);
    jar.take(first.headers['set-cookie']);
    return jar;
  }

  test('401 after the logout; the Iframe URL asks "Continue as <name>"; continuing signs in and the API URL answers 200 again', async () => {
    const jar = await signedInBrowser();
    await backchannelLogout(h);

    const after = await apiUrl(h, jar.header());
    expect(after.statusCode).toBe(401);
    expect(after.body).toBe('');
    expect((await apiUrl(h, 'site=abc')).statusCode).toBe(401);

    const page = await h.app.inject({ method: 'GET', url: '/login?lang=en&client=electron', headers: { cookie: jar.header() } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<h1>You signed out of chat</h1>');
    // The name is escaped, and the button names it.
    expect(page.body).toContain('Continue as Alice &lt;Example&gt;</button>');
    expect(page.body).toContain('<form method="post" action="login-continue?client&#x3D;electron&amp;lang&#x3D;en">');
    expect(page.body).not.toContain('data-login-token');
    expect(sessionCookieSet(page.headers)).toBe(false);
    jar.take(page.headers['set-cookie']);
    const tokensBefore = h.standIn.tokens.length;

    const done = await h.app.inject({
      method: 'POST',
      url: '/login-continue?lang=en&client=electron',
      headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(done.statusCode).toBe(200);
    expect(h.standIn.tokens).toHaveLength(tokensBefore + 1);
    expect(done.body).toContain(`data-login-token="${h.standIn.tokens.at(-1)}"`);
    expect(done.body).toContain(`data-rc-origin="${RC_ORIGIN}"`);
    expect(sessionCookieSet(done.headers)).toBe(true);
    jar.take(done.headers['set-cookie']);

    // The new session postdates the logout: the API URL answers from it (the held token, no new one).
    const back = await apiUrl(h, jar.header());
    expect(back.statusCode).toBe(200);
    expect(back.json()).toEqual({ loginToken: h.standIn.tokens.at(-1) });
    expect(h.standIn.tokens).toHaveLength(tokensBefore + 1);
    // ...and the login page delivers rather than asking again.
    const reopened = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
    expect(reopened.body).toContain('data-login-token');

    // A later Rocket.Chat logout ends that session too. (Session times are whole seconds, and the continued
    // session is dated at the first logout's bound: a second logout within that same second would miss it.)
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await backchannelLogout(h);
    expect((await apiUrl(h, jar.header())).statusCode).toBe(401);
    expect(h.logs.text).not.toContain(String(jar.get('__Host-rcib_session')));
  });

  test.each([
    ['no token', (_csrf: string) => ({ origin: PUBLIC_ORIGIN, body: {} as Record<string, string> })],
    ['a wrong token', (csrf: string) => ({ origin: PUBLIC_ORIGIN, body: { _csrf: `${csrf.slice(0, -2)}xx` } })],
    ['a foreign origin', (csrf: string) => ({ origin: 'https://evil.example', body: { _csrf: csrf } })],
  ])('continuing with %s is refused and changes nothing', async (_name, attempt) => {
    const jar = await signedInBrowser();
    await backchannelLogout(h);
    const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
    jar.take(page.headers['set-cookie']);
    const tokensBefore = h.standIn.tokens.length;
    const { origin, body } = attempt(csrfFrom(page.body));

    const refused = await h.app.inject({
      method: 'POST',
      url: '/login-continue',
      headers: { cookie: jar.header(), origin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(body).toString(),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Your sign-in form expired');
    expect(refused.body).toContain('role="alert"');
    expect(sessionCookieSet(refused.headers)).toBe(false);
    expect(h.standIn.tokens).toHaveLength(tokensBefore);
    expect((await apiUrl(h, jar.header())).statusCode).toBe(401);
  });

  test('continuing when the site no longer names the user starts nothing: back to the login page', async () => {
    const jar = await signedInBrowser();
    await backchannelLogout(h);
    const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
    jar.take(page.headers['set-cookie']);
    signedIn = false;
    const out = await h.app.inject({
      method: 'POST',
      url: '/login-continue?lang=de',
      headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('login?lang=de');
    expect(sessionCookieSet(out.headers)).toBe(false);
  });

  test('over the login rate limit, continuing answers the "too many attempts" page a person reads in the iframe, not JSON', async () => {
    const limited = await startHarness({ env: { ...ENV, LOGIN_RATE_LIMIT_PER_MINUTE: '1' }, deps: { identity, revocations: createMemoryRevocationList() } });
    try {
      const post = () =>
        limited.app.inject({ method: 'POST', url: '/login-continue', headers: { cookie: 'site=abc', origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=x' });
      expect((await post()).statusCode).not.toBe(429);
      const over = await post();
      expect(over.statusCode).toBe(429);
      expect(over.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(over.body).toContain('Too many attempts');
      expect(over.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  test("a logout from the site's backend keeps today's behaviour: the site's live session starts a new one", async () => {
    const jar = await signedInBrowser();
    await backchannelLogout(h, 'site');
    const after = await apiUrl(h, jar.header());
    expect(after.statusCode).toBe(200);
    expect(sessionCookieSet(after.headers)).toBe(true);
  });

  test('the continue page in every shipped language, right-to-left in Arabic', async () => {
    await signedInBrowser();
    await backchannelLogout(h);
    for (const lang of ['ar', 'de', 'en', 'es', 'fr', 'ja', 'pt-BR', 'ru', 'zh-CN']) {
      const page = await h.app.inject({ method: 'GET', url: `/login?lang=${lang}`, headers: { cookie: 'site=abc' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<html lang="${lang}"`);
      expect(page.body).not.toMatch(/pages\.signedOutOfChat|{{name}}/);
      expect(page.body).toContain('Alice &lt;Example&gt;');
      expect(/<html[^>]* dir="rtl"/.test(page.body)).toBe(lang === 'ar');
    }
  });
});
