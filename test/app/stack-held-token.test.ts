/**
 * The Iframe URL asks Rocket.Chat whether the token a session holds still stands before it
 * hands anything out (service/flow/held-login.ts), through the whole product: the Rocket.Chat
 * stand-in, the packaged App in the real Apps-Engine, the companion on a real socket.
 * Rocket.Chat's client asks the API URL side by side with raising the logout event the App
 * passes on, so the Iframe URL must not rely on that notice having arrived (https://github.com/RocketChat/Rocket.Chat/issues/28006).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cookieJar, csrfFrom } from '../service/support/harness';
import { startStack, type Stack } from '../../devstack/stack';

const siteUser = { sub: 'site-dora', username: 'dora', email: 'dora@example.com', email_verified: true, name: 'Dora Site' };

let stack: Stack;
let site: Server;

beforeAll(async () => {
  // The site's session: whoever sends `site=dora-1` is Dora.
  site = createServer((request, response) => {
    const known = /(?:^|;\s*)site=dora-1(?:;|$)/.test(request.headers.cookie ?? '');
    response.writeHead(known ? 200 : 401, { 'content-type': 'application/json' }).end(known ? JSON.stringify(siteUser) : '{}');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  stack = await startStack({ companionEnv: { IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: `http://127.0.0.1:${(site.address() as AddressInfo).port}/me`, FORWARD_AUTH_CACHE_SECONDS: '0' } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  site?.closeAllConnections();
  await new Promise<void>((resolve) => site?.close(() => resolve()));
});
afterEach(() => stack.rocketChat.faults.clear());

const minted = () => stack.rocketChat.requests.filter((r) => r.path === '/api/v1/users.createToken').length;
const apiSession = (cookie: string) => stack.companion.inject({ method: 'POST', url: '/api/session', headers: { origin: stack.rocketChat.url, cookie } });
const loginPage = (cookie: string) => stack.companion.inject({ method: 'GET', url: '/login', headers: { cookie } });
const tokenOn = (html: string) => /data-login-token="([^"]+)"/.exec(html)?.[1];

/** A browser signed in at the site whose API URL call got a token: its cookies and the token. */
async function signedIn() {
  const jar = cookieJar();
  jar.take('site=dora-1');
  const first = await apiSession(jar.header());
  expect(first.statusCode).toBe(200);
  jar.take(first.headers['set-cookie']);
  return { jar, loginToken: (first.json() as { loginToken: string }).loginToken };
}

/** Rocket.Chat's client logs out with the token: Rocket.Chat ends that login (no Apps event here). */
async function logOutOfRocketChat(loginToken: string): Promise<void> {
  const userId = stack.rocketChat.findUser({ username: 'dora' })?._id ?? '';
  const answer = await fetch(`${stack.rocketChat.url}/api/v1/logout`, { method: 'POST', headers: { 'X-User-Id': userId, 'X-Auth-Token': loginToken } });
  expect(answer.status).toBe(200);
}

test('Rocket.Chat logged the user out and its notice has not come: the Iframe URL asks "Continue as" instead of minting; continuing mints one', async () => {
  const { jar, loginToken } = await signedIn();
  await logOutOfRocketChat(loginToken);
  // The API URL cannot know yet: it hands out the held token, which Rocket.Chat refuses, so its client shows the Iframe URL.
  expect((await apiSession(jar.header())).json()).toEqual({ loginToken });

  const before = minted();
  const page = await loginPage(jar.header());
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('Continue as Dora Site');
  expect(tokenOn(page.body)).toBeUndefined();
  expect(minted()).toBe(before);
  jar.take(page.headers['set-cookie']);

  const done = await stack.companion.inject({
    method: 'POST',
    url: '/login-continue',
    headers: { cookie: jar.header(), origin: stack.companionUrl, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
  });
  expect(done.statusCode).toBe(200);
  const fresh = tokenOn(done.body);
  expect(fresh).toBeTruthy();
  expect(fresh).not.toBe(loginToken);
  expect(minted()).toBe(before + 1);
  jar.take(done.headers['set-cookie']);
  expect((await apiSession(jar.header())).json()).toEqual({ loginToken: fresh });
}, 30_000);

test('the held token still stands (the page opened on its own, a WebView): the Iframe URL hands it out again, nothing minted', async () => {
  const { jar, loginToken } = await signedIn();
  const before = minted();
  const page = await loginPage(jar.header());
  expect(page.statusCode).toBe(200);
  expect(tokenOn(page.body)).toBe(loginToken);
  expect(minted()).toBe(before);
}, 30_000);

test('Rocket.Chat does not answer the check: the Iframe URL mints as it did before it could ask', async () => {
  const { jar, loginToken } = await signedIn();
  await stack.rocketChat.faults.set({ status: 500, paths: /^\/api\/v1\/me$/ });
  const before = minted();
  const page = await loginPage(jar.header());
  expect(page.statusCode).toBe(200);
  const fresh = tokenOn(page.body);
  expect(fresh).toBeTruthy();
  expect(fresh).not.toBe(loginToken);
  expect(minted()).toBe(before + 1);
}, 30_000);
