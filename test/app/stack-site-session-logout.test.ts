/**
 * Single logout through the whole product with a site-session identity source (startStack: the
 * Rocket.Chat stand-in, the packaged App in the real Apps-Engine, the real companion on a real
 * socket): a Rocket.Chat logout (IPostUserLoggedOut → the App's back-channel logout) must not be
 * undone by the site's still-live session on the next API URL call (https://github.com/RocketChat/Rocket.Chat/issues/28006).
 * forward: 401, then "Continue as <name>" on the Iframe URL signs back in by the user's choice.
 * jwt-cookie: the site's older JWT is refused; a JWT the site issues after the logout works.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { SettingId } from '../../app/settings';
import { cookieJar, csrfFrom } from '../service/support/harness';
import { startStack, type Stack } from '../../devstack/stack';

const BACKCHANNEL_SECRET = 'stack-backchannel-secret-of-32-bytes-min';
const now = () => Math.floor(Date.now() / 1000);
const siteUser = (username: string) => ({ sub: `site-${username}`, username, email: `${username}@example.com`, email_verified: true, name: `${username[0].toUpperCase()}${username.slice(1)} Site` });

async function stackWith(companionEnv: Record<string, string>): Promise<Stack> {
  const stack = await startStack({ appSettings: { [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET }, companionEnv: { BACKCHANNEL_SECRET, ...companionEnv } });
  await stack.engine.updateSetting(SettingId.CompanionUrl, stack.companionUrl);
  return stack;
}

function apiSession(stack: Stack, cookie: string) {
  return stack.companion.inject({ method: 'POST', url: '/api/session', headers: { origin: stack.rocketChat.url, cookie } });
}

/** Rocket.Chat logs the user out: the event the App listens to. */
async function rocketChatLogout(stack: Stack, username: string): Promise<void> {
  const rcUser = stack.rocketChat.users().find((u) => u.username === username);
  expect(rcUser).toBeDefined();
  await stack.engine.fireEvent('IPostUserLoggedOut', { id: rcUser!._id, username, emails: [], type: 'user', isEnabled: true, roles: ['user'] });
}

describe('IDENTITY_SOURCE=forward', () => {
  let stack: Stack;
  let site: Server;
  /** The site's sessions: cookie value → username. */
  const sessions = new Map<string, string>();

  beforeAll(async () => {
    site = createServer((request, response) => {
      const value = /(?:^|;\s*)site=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
      const username = value === undefined ? undefined : sessions.get(value);
      response.writeHead(username ? 200 : 401, { 'content-type': 'application/json' }).end(username ? JSON.stringify(siteUser(username)) : '{}');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    // No forward cache: each call asks the site, as a site logout must be seen at once.
    stack = await stackWith({ IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: `http://127.0.0.1:${(site.address() as AddressInfo).port}/me`, FORWARD_AUTH_CACHE_SECONDS: '0' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    site?.closeAllConnections();
    await new Promise<void>((resolve) => site?.close(() => resolve()));
  });

  test('Rocket.Chat logout → 401 while the site session lives; "Continue as <name>" → the real App logs the user in → the API URL answers 200', async () => {
    sessions.set('dora-1', 'dora');
    const jar = cookieJar();
    jar.take('site=dora-1');
    const first = await apiSession(stack, jar.header());
    expect(first.statusCode).toBe(200);
    jar.take(first.headers['set-cookie']);

    await rocketChatLogout(stack, 'dora');
    const after = await apiSession(stack, jar.header());
    expect(after.statusCode).toBe(401);
    expect(after.body).toBe('');

    const page = await stack.companion.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Continue as Dora Site');
    jar.take(page.headers['set-cookie']);

    const refused = await stack.companion.inject({
      method: 'POST',
      url: '/login-continue',
      headers: { cookie: jar.header(), origin: stack.companionUrl, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: 'forged' }).toString(),
    });
    expect(refused.statusCode).toBe(403);
    expect((await apiSession(stack, jar.header())).statusCode).toBe(401);

    const done = await stack.companion.inject({
      method: 'POST',
      url: '/login-continue',
      headers: { cookie: jar.header(), origin: stack.companionUrl, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(done.statusCode).toBe(200);
    const loginToken = /data-login-token="([^"]+)"/.exec(done.body)?.[1];
    expect(loginToken).toBeTruthy();
    jar.take(done.headers['set-cookie']);

    const back = await apiSession(stack, jar.header());
    expect(back.statusCode).toBe(200);
    expect(back.json()).toEqual({ loginToken });
  }, 30_000);

  test('with logout_propagation off, the site session logs the user back in (the operator kept it)', async () => {
    sessions.set('emil-1', 'emil');
    const jar = cookieJar();
    jar.take('site=emil-1');
    const first = await apiSession(stack, jar.header());
    expect(first.statusCode).toBe(200);
    jar.take(first.headers['set-cookie']);
    await stack.engine.updateSetting(SettingId.LogoutPropagation, false);
    try {
      await rocketChatLogout(stack, 'emil');
      expect((await apiSession(stack, jar.header())).statusCode).toBe(200);
      expect((await apiSession(stack, 'site=emil-1')).statusCode).toBe(200);
    } finally {
      await stack.engine.updateSetting(SettingId.LogoutPropagation, true);
    }
  }, 30_000);
});

describe('IDENTITY_SOURCE=jwt-cookie', () => {
  const SITE_SECRET = 'stack-site-jwt-secret-of-32-bytes-min!!';
  let stack: Stack;
  const siteJwt = (username: string, iat: number) =>
    new SignJWT({ ...siteUser(username) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://site.example')
      .setAudience('chat')
      .setIssuedAt(iat)
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(SITE_SECRET))
      .then((token) => `site_jwt=${token}`);

  beforeAll(async () => {
    stack = await stackWith({
      IDENTITY_SOURCE: 'jwt-cookie',
      JWT_COOKIE_NAME: 'site_jwt',
      JWT_COOKIE_KEY: SITE_SECRET,
      JWT_COOKIE_ISSUER: 'https://site.example',
      JWT_COOKIE_AUDIENCE: 'chat',
      JWT_COOKIE_ALGORITHMS: 'HS256',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  test("Rocket.Chat logout → the site's older JWT answers 401; a JWT issued after the logout answers 200", async () => {
    const old = await siteJwt('fay', now() - 60);
    const jar = cookieJar();
    const first = await apiSession(stack, old);
    expect(first.statusCode).toBe(200);
    jar.take(first.headers['set-cookie']);

    await rocketChatLogout(stack, 'fay');
    expect((await apiSession(stack, `${old}; ${jar.header()}`)).statusCode).toBe(401);
    expect((await apiSession(stack, old)).statusCode).toBe(401);

    // The user signs in at the site again: a new JWT, dated past the mark plus the 30 s clock skew.
    const fresh = await siteJwt('fay', now() + 31);
    const again = await apiSession(stack, fresh);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toHaveProperty('loginToken');
  }, 30_000);
});
