/**
 * A Rocket.Chat logout in real Chromium with IDENTITY_SOURCE=forward: the user is signed in at the site, so
 * Rocket.Chat's web client logs them in silently; they log out in Rocket.Chat; the App tells the
 * companion; the client asks the API URL again (401) and shows the Iframe URL, which now asks
 * "Continue as <name>"; clicking it logs them back in. axe finds nothing on that page. And in
 * the real client's order, with the App's notice landing only after the Iframe URL has loaded,
 * the page still asks (it checks the held token with Rocket.Chat: service/flow/held-login.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axe from 'axe-core';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { SettingId } from '../../app/settings';
import { launchBrowser, saveScreenshot } from '../support/browser';
import { startStack, type Stack } from '../../devstack/stack';
import { eventTypes, loggedInAs, loginFrame, rcEvents } from './support';

const BACKCHANNEL_SECRET = 'e2e-backchannel-secret-of-32-bytes-min!';
const gus = { sub: 'site-gus', username: 'gus', email: 'gus@example.com', email_verified: true, name: 'Gus Site' };
const ida = { sub: 'site-ida', username: 'ida', email: 'ida@example.com', email_verified: true, name: 'Ida Site' };

let site: Server;
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  // The site's FORWARD_AUTH_URL: the cookie `site=gus-1` is Gus, `site=ida-1` is Ida.
  site = createServer((request, response) => {
    const value = /(?:^|;\s*)site=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    const user = value === 'gus-1' ? gus : value === 'ida-1' ? ida : undefined;
    response.writeHead(user ? 200 : 401, { 'content-type': 'application/json' }).end(user ? JSON.stringify(user) : '{}');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const forwardUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/me`;
  [stack, browser] = await Promise.all([
    startStack({
      appSettings: { [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET },
      companionEnv: { BACKCHANNEL_SECRET, IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: forwardUrl, FORWARD_AUTH_CACHE_SECONDS: '0' },
    }),
    launchBrowser(),
  ]);
  await stack.engine.updateSetting(SettingId.CompanionUrl, stack.companionUrl);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  site?.closeAllConnections();
  await new Promise<void>((resolve) => site?.close(() => resolve()));
});

beforeEach(async () => {
  context = await browser.newContext();
  // The site's session cookie on the companion's host (a parent-domain cookie in a real deployment);
  // the companion is framed cross-site, so it must be SameSite=None to travel.
  await context.addCookies([{ name: 'site', value: 'gus-1', domain: 'localhost', path: '/', secure: true, sameSite: 'None', httpOnly: true }]);
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

async function axeViolations(frame: Frame): Promise<axe.Result[]> {
  await frame.evaluate(axe.source);
  return frame.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
      .then((r) => r.violations),
  );
}

it('log out in Rocket.Chat: the login iframe asks "Continue as Gus Site" instead of logging straight back in; continuing logs back in', async () => {
  // Signed in at the site: silent SSO, no iframe.
  await page.goto(`${stack.rocketChat.url}/`);
  expect(await loggedInAs(page)).toBe(`Logged in as ${gus.username}`);
  expect(await eventTypes(page)).not.toContain('iframe-shown');

  await page.getByTestId('rc-logout').click();
  const frame = await loginFrame(page);
  expect((await rcEvents(page)).filter((e) => e.type === 'api-response').pop()?.detail).toEqual({ status: 401 });
  expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
  expect(await frame.getByRole('heading', { level: 1 }).textContent()).toBe('You signed out of chat');
  const button = frame.getByRole('button', { name: 'Continue as Gus Site' });
  expect(await button.isVisible()).toBe(true);
  expect(await axeViolations(frame)).toEqual([]);
  await saveScreenshot(page, 'e2e-signed-out-of-chat');

  const loginsBefore = (await rcEvents(page)).filter((e) => e.type === 'logged-in').length;
  await button.click();
  await page.waitForFunction(
    (before) => (window as unknown as { __rc: { events: Array<{ type: string }> } }).__rc.events.filter((e) => e.type === 'logged-in').length > before,
    loginsBefore,
  );
  expect(await loggedInAs(page)).toBe(`Logged in as ${gus.username}`);
  const message = (await rcEvents(page)).filter((e) => e.type === 'message').pop();
  expect(message?.detail).toEqual({ origin: stack.companionUrl, event: 'login-with-token' });

  // A fresh client in the same browser (no stored token) now gets in silently again.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  expect(await loggedInAs(page)).toBe(`Logged in as ${gus.username}`);
  expect(await eventTypes(page)).not.toContain('iframe-shown');
}, 60_000);

it('as the real client orders it — the API URL asked side by side with logoutCleanUp — the login iframe still asks before signing back in', async () => {
  await context.addCookies([{ name: 'site', value: 'ida-1', domain: 'localhost', path: '/', secure: true, sameSite: 'None', httpOnly: true }]);
  await page.goto(`${stack.rocketChat.url}/`);
  expect(await loggedInAs(page)).toBe(`Logged in as ${ida.username}`);
  // The worst order: the App's notice lands only after the Iframe URL has loaded. The API URL
  // hands out the token Rocket.Chat just ended, and the Iframe URL asks Rocket.Chat about it
  // (flow/held-login.ts) instead of relying on the notice.
  await page.evaluate(() => {
    (window as unknown as { __rc: { sideBySide: boolean } }).__rc.sideBySide = true;
  });
  let release = (): void => undefined;
  const noticeHeld = new Promise<void>((resolve) => (release = resolve));
  await page.route(`${stack.rocketChat.url}/api/v1/method.callAnon/logoutCleanUp`, async (route) => {
    await noticeHeld;
    await route.continue();
  });
  await page.getByTestId('rc-logout').click();
  const frame = await loginFrame(page);
  try {
    expect((await rcEvents(page)).filter((e) => e.type === 'api-response').pop()?.detail).toEqual({ status: 200 });
    expect(await eventTypes(page)).toContain('login-failed');
    expect(await frame.getByRole('heading', { level: 1 }).textContent()).toBe('You signed out of chat');
    expect(await frame.getByRole('button', { name: 'Continue as Ida Site' }).isVisible()).toBe(true);
    expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
  } finally {
    release();
  }
}, 60_000);
