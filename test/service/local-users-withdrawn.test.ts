/**
 * Taking a local user's access away (`npm run users -- passwd|disable|remove`) while the companion
 * runs: the user's existing session cookie stops working — the API URL after the standing cache
 * (30 s; moved here with an injected clock), the login pages at once — and nothing new is minted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../service/cli/users';
import { createLocalIdentity } from '../../service/identity/local';
import { SESSION_COOKIE } from '../../service/plugins/session';
import { createFileUserStore } from '../../service/users/file-store';
import type { UserStore } from '../../service/users/types';
import { baseEnv, cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, seedUsers, startHarness, type Harness } from './support/harness';

let h: Harness;
let store: UserStore;
/** The CLI's environment: the same users file and App as the running companion. */
let cliEnv: NodeJS.ProcessEnv;
/** The standing cache's clock (milliseconds); sessions and assertions keep real time. */
let clock: number;

beforeEach(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'rcib-withdrawn-')), 'users.json');
  store = createFileUserStore(path);
  await seedUsers(store);
  clock = Date.now();
  h = await startHarness({ store, deps: { identity: createLocalIdentity(createFileUserStore(path), { cacheSeconds: 30, now: () => clock }) } });
  cliEnv = baseEnv({ APP_LOGIN_URL: `${h.standIn.url}login`, LOCAL_USERS_FILE: path }) as NodeJS.ProcessEnv;
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const FORM = 'application/x-www-form-urlencoded';
const users = (...args: string[]) => main(args, cliEnv);
const apiUrl = (cookie: string) => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });
const clearsSession = (setCookie: string | string[] | undefined) => ([] as string[]).concat(setCookie ?? []).some((line) => line.startsWith(`${SESSION_COOKIE}=;`));

/** Session times are whole seconds, and a session from the very second of a change stands. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)));
}

/** alice signs in on the form; her cookies (session and CSRF) as a Cookie header. */
async function signedIn(): Promise<string> {
  const jar = cookieJar();
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
  const held = await apiUrl(jar.header());
  expect(held.statusCode).toBe(200);
  expect(held.json()).toEqual({ loginToken: h.standIn.tokens.at(-1) });
  return jar.header();
}

/** With alice's old cookie, neither login page signs her in or mints a token. */
async function loginPagesRefuse(oldCookie: string): Promise<void> {
  const minted = h.standIn.logins.length;
  const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: oldCookie } });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('autocomplete="current-password"');
  expect(page.body).not.toContain('data-login-token');
  expect(clearsSession(page.headers['set-cookie'])).toBe(true);

  // "Continue as" with her old cookie and a valid CSRF token: nothing to continue.
  const csrfCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((line) => line.startsWith('__Host-rcib_csrf='))?.split(';')[0];
  const continued = await h.app.inject({
    method: 'POST',
    url: '/login-continue',
    headers: { cookie: `${oldCookie}; ${csrfCookie}`, origin: PUBLIC_ORIGIN, 'content-type': FORM },
    payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
  });
  expect(continued.statusCode).toBe(303);
  expect(continued.headers.location).toBe('login');
  expect(h.standIn.logins).toHaveLength(minted);
}

test('users disable: her session ends (API URL 401 once the cache has turned over, cookie cleared); nothing is minted', async () => {
  const cookie = await signedIn();
  await nextSecond();
  expect(await users('disable', 'alice')).toBe(0);
  expect(h.standIn.logouts.at(-1)).toMatchObject({ sub: 'sub-alice', username: 'alice' });
  // The fast path asks the store at most once per user per 30 s: until then the held token is answered.
  expect((await apiUrl(cookie)).statusCode).toBe(200);
  clock += 30_001;
  const ended = await apiUrl(cookie);
  expect(ended.statusCode).toBe(401);
  expect(clearsSession(ended.headers['set-cookie'])).toBe(true);
  await loginPagesRefuse(cookie);
  // Enabling her again does not bring the old session back: it predates the disable.
  expect(await users('enable', 'alice')).toBe(0);
  clock += 30_001;
  expect((await apiUrl(cookie)).statusCode).toBe(401);
  expect(h.standIn.logins).toHaveLength(1);
});

test('users passwd: her old session ends, on the login pages at once; she signs in with the new password', async () => {
  const cookie = await signedIn();
  await nextSecond();
  expect(await users('passwd', 'alice', '--password', 'a brand new password')).toBe(0);
  expect(h.standIn.logouts.at(-1)).toMatchObject({ sub: 'sub-alice' });
  // The login pages ask the store itself, not the cache: at once (and refresh the cache on the way).
  await loginPagesRefuse(cookie);
  expect((await apiUrl(cookie)).statusCode).toBe(401);
  expect(h.standIn.logins).toHaveLength(1);

  const jar = cookieJar();
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(401);
  expect((await login(h.app, jar, 'alice', 'a brand new password')).statusCode).toBe(200);
  expect((await apiUrl(jar.header())).json()).toEqual({ loginToken: h.standIn.tokens.at(-1) });
});

test('users remove: her session ends and her name signs nobody in', async () => {
  const cookie = await signedIn();
  expect(await users('remove', 'alice')).toBe(0);
  expect(h.standIn.logouts.at(-1)).toMatchObject({ sub: 'sub-alice' });
  clock += 30_001;
  expect((await apiUrl(cookie)).statusCode).toBe(401);
  await loginPagesRefuse(cookie);
  expect((await login(h.app, cookieJar(), 'alice', PASSWORD)).statusCode).toBe(401);
  expect(h.standIn.logins).toHaveLength(1);
});

test('a session holding no token: the API URL mints only after a fresh check, even while the cache says she stands', async () => {
  // Signed in while the App was down: the session holds no Rocket.Chat token.
  h.standIn.failWith = 502;
  const jar = cookieJar();
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(503);
  // The API URL tries to mint (and fails): the cache now says alice stands.
  expect((await apiUrl(jar.header())).statusCode).toBe(503);
  h.standIn.failWith = undefined;

  expect(await users('disable', 'alice')).toBe(0);
  const refused = await apiUrl(jar.header());
  expect(refused.statusCode).toBe(401);
  expect(clearsSession(refused.headers['set-cookie'])).toBe(true);
  expect(h.standIn.logins).toHaveLength(0);
});
