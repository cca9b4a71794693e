/**
 * The done page picks its delivery by context, in real Chromium.
 * (2) framed by Rocket.Chat's desktop client (client=electron kept through the flow, login-error shown);
 * (3) top level in the mobile app's WebView (its injected listener copies messages into location.hash);
 * (4) top level in a plain tab: a "return to chat" message, nothing in the URL, no other window.
 * Web framing and foreign framers are covered end to end in test/e2e/iframe-login.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { PASSWORD, startHarness, type Harness } from './support/harness';

let browser: Browser;
let rc: Server;
let rcUrl: string;
let h: Harness;
let companion: string;

beforeAll(async () => {
  // Rocket.Chat's stand-in on another site (127.0.0.1 vs localhost): frames the Iframe URL
  // like the web client does and answers login-with-token with login-error when told to.
  rc = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const src = url.searchParams.get('src') ?? '';
    const reject = url.searchParams.has('reject');
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><body>
<iframe title="login-iframe" src="${src}" style="width:100%;height:600px"></iframe>
<script>
window.__events = [];
window.addEventListener('message', function (e) {
  window.__events.push({ origin: e.origin, data: e.data });
  if (${reject} && e.data && e.data.event === 'login-with-token') e.source.postMessage({ event: 'login-error', response: 'Token expired' }, e.origin);
});
</script></body>`);
  });
  await new Promise<void>((resolve) => rc.listen(0, '127.0.0.1', resolve));
  rcUrl = `http://127.0.0.1:${(rc.address() as AddressInfo).port}`;
  h = await startHarness({ env: { ROCKETCHAT_URL: rcUrl, PUBLIC_URL: 'http://localhost:1', ASSERTION_AUDIENCE: 'https://chat.example.com', ASSERTION_ISSUER: 'https://auth.example.org', COOKIE_PARTITIONED: 'true' } });
  // PUBLIC_URL must name the real port for the Origin check: rebuild once the port is known.
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (h.app.server.address() as AddressInfo).port;
  const standIn = h.standIn;
  await h.app.close();
  h = await startHarness({ standIn, store: h.store, env: { ROCKETCHAT_URL: rcUrl, PUBLIC_URL: `http://localhost:${port}`, ASSERTION_AUDIENCE: 'https://chat.example.com', ASSERTION_ISSUER: 'https://auth.example.org', COOKIE_PARTITIONED: 'true' } });
  await h.app.listen({ port, host: '127.0.0.1' });
  companion = `http://localhost:${port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await h?.standIn.close();
  rc.closeAllConnections();
  await new Promise<void>((resolve) => rc.close(() => resolve()));
});

async function fill(target: Page | import('playwright-core').Frame) {
  await target.getByLabel('Username or email').fill('alice');
  await target.getByLabel('Password').fill(PASSWORD);
  await target.getByRole('button', { name: 'Sign in' }).click();
}

test('(2) framed by the desktop client: client=electron kept, login-with-token to the exact origin, login-error shown', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${rcUrl}/?reject=1&src=${encodeURIComponent(`${companion}/login?client=electron`)}`);
  const frame = await (await page.waitForSelector('iframe[title="login-iframe"]')).contentFrame();
  if (!frame) throw new Error('no frame');
  await frame.waitForSelector('form');
  await fill(frame);
  await frame.waitForSelector('#error:not([hidden])');
  expect(frame.url()).toContain('client=electron');
  expect(await frame.locator('#error').textContent()).toContain('Token expired');
  const events = await page.evaluate(() => (window as unknown as { __events: { origin: string; data: { event: string; loginToken: string } }[] }).__events);
  expect(events).toHaveLength(1);
  expect(events[0]).toEqual({ origin: companion, data: { event: 'login-with-token', loginToken: h.standIn.tokens.at(-1) } });
  await context.close();
}, 30_000);

test('(3) top level in the mobile WebView: the injected listener finds the server URL and the token in the hash', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${companion}/login`);
  await fill(page);
  await page.waitForLoadState('load');
  await page.waitForSelector('#status');
  // What react-native-webview injects after load (AuthenticationWebView.tsx).
  await page.evaluate(() => {
    window.addEventListener('message', (event) => {
      if (typeof event.data === 'object') window.location.hash = JSON.stringify(event.data);
    });
  });
  await page.waitForFunction(() => window.location.hash.length > 1, undefined, { timeout: 5000 });
  const url = decodeURIComponent(page.url());
  // The app's own check: the URL holds the server URL and one of event|loginToken|token.
  expect(url.includes(rcUrl)).toBe(true);
  expect(/event|loginToken|token/.test(url)).toBe(true);
  const data = JSON.parse(url.slice(url.indexOf('#') + 1)) as { event: string; loginToken: string; token: string };
  expect(data.event).toBe('login-with-token');
  expect(data.loginToken).toBe(h.standIn.tokens.at(-1));
  expect(data.token || data.loginToken).toBe(h.standIn.tokens.at(-1));
  await context.close();
}, 30_000);

test('(4) top level in a plain tab: "return to chat", nothing in the URL, no other window reached', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${companion}/login`);
  await fill(page);
  await page.waitForLoadState('load');
  await page.waitForTimeout(1500);
  expect(await page.locator('#status').textContent()).toContain('return to the chat');
  expect(page.url()).not.toContain('#');
  expect(await page.evaluate(() => window.parent === window && window.opener === null)).toBe(true);
  await context.close();
}, 30_000);
