import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../support/browser';
import { startStack, type Stack } from '../../devstack/stack';
import { eventTypes, loggedInAs, loginFrame, rcEvents, signIn, startStaticSite, type StaticSite } from './support';

/**
 * The core path in real Chromium: the Rocket.Chat stand-in page on 127.0.0.1, the companion on
 * localhost (another site), the packaged App in the real Apps-Engine runtime.
 */

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

beforeEach(async () => {
  stack.rocketChat.setIframe({ apiMethod: 'POST', sendContentType: false, apiUrl: `${stack.companionUrl}/api/session` });
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

const appLoginCalls = (): number =>
  stack.rocketChat.requests.filter((r) => r.path === `/api/apps/public/${stack.engine.appId}/login`).length;

async function signInThroughIframe(p: Page = page): Promise<void> {
  await p.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(p), stack.user.username, stack.user.password);
}

it('interactive login through the iframe (App mode) ends logged in, with the user provisioned in Rocket.Chat', async () => {
  await page.goto(`${stack.rocketChat.url}/`);
  const frame = await loginFrame(page);
  await saveScreenshot(page, 'e2e-login-page-desktop');
  await signIn(frame, stack.user.username, stack.user.password);

  expect(await loggedInAs(page)).toBe(`Logged in as ${stack.user.username}`);
  const events = await rcEvents(page);
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['api-response', 'iframe-shown', 'message', 'logged-in']));
  expect(events.find((e) => e.type === 'message')?.detail).toEqual({ origin: stack.companionUrl, event: 'login-with-token' });
  const created = stack.rocketChat.findUser({ username: stack.user.username });
  expect(created).toMatchObject({ name: stack.user.name, emails: [{ address: stack.user.email, verified: true }] });
  await saveScreenshot(page, 'e2e-logged-in');
});

it('the login page at phone width, for a look', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${stack.rocketChat.url}/`);
  const frame = await loginFrame(page);
  expect(await frame.getByLabel('Password').isVisible()).toBe(true);
  await saveScreenshot(page, 'e2e-login-page-phone');
});

it('silent SSO: a user still signed in at the site is logged in without seeing the form, and no new token is minted', async () => {
  await signInThroughIframe();
  await loggedInAs(page);
  const callsAfterLogin = appLoginCalls();

  // A new tab of a fresh Rocket.Chat client (no stored token), same browser: the site session answers.
  const second = await context.newPage();
  await second.goto(`${stack.rocketChat.url}/`);
  await second.evaluate(() => localStorage.clear());
  await second.reload();
  expect(await loggedInAs(second)).toBe(`Logged in as ${stack.user.username}`);
  expect(await eventTypes(second)).not.toContain('iframe-shown');
  expect(appLoginCalls()).toBe(callsAfterLogin);
});

it.each([
  ['GET', false],
  ['POST', true],
] as const)('silent SSO with API Method %s (Content-Type preflight: %s)', async (method, sendContentType) => {
  await signInThroughIframe();
  await loggedInAs(page);
  stack.rocketChat.setIframe({ apiMethod: method, sendContentType });
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  expect(await loggedInAs(page)).toBe(`Logged in as ${stack.user.username}`);
  expect(await eventTypes(page)).not.toContain('iframe-shown');
});

it('the framed page signs a site session in when the API URL fails: Chromium loads it as Sec-Fetch-Dest: iframe', async () => {
  await signInThroughIframe();
  await loggedInAs(page);
  const callsAfterLogin = appLoginCalls();
  stack.rocketChat.setIframe({ apiUrl: `${stack.companionUrl}/no-such-api-url` });
  const framed = page.waitForRequest((request) => request.method() === 'GET' && request.url().startsWith(`${stack.companionUrl}/login`));
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  expect(await (await framed).headerValue('sec-fetch-dest')).toBe('iframe');
  expect(await loggedInAs(page)).toBe(`Logged in as ${stack.user.username}`);
  expect(await eventTypes(page)).toContain('iframe-shown');
  // Rocket.Chat still takes the token the session holds: the page hands it back, nothing is minted.
  expect(appLoginCalls()).toBe(callsAfterLogin);
});

it('wrong password: the error shows inside the iframe and nothing is posted to Rocket.Chat', async () => {
  const usersBefore = stack.rocketChat.users().length;
  await page.goto(`${stack.rocketChat.url}/`);
  const frame = await loginFrame(page);
  await signIn(frame, stack.user.username, 'not the password');
  const alert = frame.getByRole('alert');
  await alert.waitFor({ state: 'visible' });
  expect(await alert.textContent()).toMatch(/sign-in failed/i);
  await page.waitForTimeout(500);
  expect(await eventTypes(page)).not.toContain('message');
  expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
  expect(stack.rocketChat.users().length).toBe(usersBefore);
  await saveScreenshot(page, 'e2e-wrong-password');
});

it('a chat account already holding the username: the iframe says so and that an administrator must link it; nothing logs in', async () => {
  const dana = { username: 'dana', password: 'correct horse battery', email: 'dana@example.com', name: 'Dana Site' };
  await stack.addSiteUser(dana);
  // Someone else's Rocket.Chat account under the same name: the App will not hand it over.
  stack.rocketChat.createUser({ username: 'dana', email: 'dana@elsewhere.example', verified: true });
  const usersBefore = stack.rocketChat.users().length;
  await page.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(page), dana.username, dana.password);
  const frame = page.frames().find((f) => f.url().startsWith(`${stack.companionUrl}/login`));
  if (!frame) throw new Error('the login iframe is gone');
  await frame.getByRole('heading', { name: 'A chat account already exists' }).waitFor({ state: 'visible' });
  expect(await frame.locator('main p').textContent()).toBe(
    'A chat account with your username already exists. An administrator must link it to your site account before you can sign in to chat. Please contact the administrator.',
  );
  await page.waitForTimeout(500);
  expect(await eventTypes(page)).not.toContain('message');
  expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
  expect(stack.rocketChat.users().length).toBe(usersBefore);
  expect(stack.rocketChat.findUser({ username: 'dana' })?.emails[0]?.address).toBe('dana@elsewhere.example');
  await saveScreenshot(page, 'e2e-account-exists');
});

describe('a page on a foreign origin', () => {
  let foreign: StaticSite;
  beforeAll(async () => {
    foreign = await startStaticSite('127.0.0.2', {
      '/': () => ({
        body: `<!doctype html><title>evil</title><script>
          window.received = [];
          window.addEventListener('message', (e) => window.received.push({ origin: e.origin, data: e.data }));
          window.apiResult = fetch(${JSON.stringify(`${stack.companionUrl}/api/session`)}, { method: 'POST', credentials: 'include' })
            .then((r) => r.text().then((t) => 'read:' + r.status + ':' + t), (e) => 'blocked:' + e.name);
        </script><iframe id="f" src=${JSON.stringify(`${stack.companionUrl}/login`)} style="width:400px;height:400px"></iframe>`,
      }),
      // Subresources aimed at the login page: with SameSite=None cookies each would mint a token.
      '/subresources': () => ({
        body: `<!doctype html><title>evil</title>
          <img src=${JSON.stringify(`${stack.companionUrl}/login?i=1`)}><img src=${JSON.stringify(`${stack.companionUrl}/login?i=2`)}>
          <script src=${JSON.stringify(`${stack.companionUrl}/login?s=1`)}></script>
          <script>window.fetched = fetch(${JSON.stringify(`${stack.companionUrl}/login`)}, { credentials: 'include', mode: 'no-cors' }).then(() => 'answered', () => 'failed');</script>`,
      }),
    });
  });
  afterAll(async () => {
    await foreign?.close();
  });

  it('gets no token from the API URL and no message from the framed login page, even with a live site session', async () => {
    await signInThroughIframe();
    await loggedInAs(page);

    const evil = await context.newPage();
    await evil.goto(`${foreign.url}/`);
    expect(await evil.evaluate(() => (window as unknown as { apiResult: Promise<string> }).apiResult)).toBe('blocked:TypeError');
    await evil.waitForTimeout(1500);
    expect(await evil.evaluate(() => (window as unknown as { received: unknown[] }).received)).toEqual([]);
    // frame-ancestors: the companion's document never loads inside the foreign page.
    const framed = evil.frames().find((f) => f !== evil.mainFrame());
    const framedText = framed ? await framed.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
    expect(framedText).not.toMatch(/signed in|Sign in/i);
  });

  it('mints no token for an <img>, <script> or fetch() aimed at the login page, even with a live site session', async () => {
    await signInThroughIframe();
    await loggedInAs(page);
    const callsAfterLogin = appLoginCalls();
    const evil = await context.newPage();
    const requested: string[] = [];
    evil.on('request', (request) => {
      if (request.url().startsWith(`${stack.companionUrl}/login`)) requested.push(request.resourceType());
    });
    await evil.goto(`${foreign.url}/subresources`);
    // The browser may refuse to hand the answers to the page (CORP); the requests went out all the same.
    await evil.evaluate(() => (window as unknown as { fetched: Promise<string> }).fetched);
    await evil.waitForLoadState('networkidle');
    expect(requested.sort()).toEqual(['fetch', 'image', 'image', 'script']);
    expect(appLoginCalls()).toBe(callsAfterLogin);
  });
});

describe('logout from Rocket.Chat', () => {
  it('without the App\'s back channel the site session stays, but the iframe asks before signing back in (not #28006\'s silent re-login)', async () => {
    await signInThroughIframe();
    await loggedInAs(page);
    const loginsBefore = (await rcEvents(page)).filter((e) => e.type === 'logged-in').length;
    await page.getByTestId('rc-logout').click();
    // The API URL hands out the held token, Rocket.Chat has ended it, the Iframe URL finds that out.
    const frame = await loginFrame(page);
    await frame.getByRole('button', { name: `Continue as ${stack.user.name}` }).click();
    await page.waitForFunction(
      (before) => (window as unknown as { __rc: { events: Array<{ type: string }> } }).__rc.events.filter((e) => e.type === 'logged-in').length > before,
      loginsBefore,
    );
    expect(await loggedInAs(page)).toBe(`Logged in as ${stack.user.username}`);
  });

  it('does not log the user back in once the site session has ended', async () => {
    await signInThroughIframe();
    await loggedInAs(page);

    // The user signs out at the site (the companion's own page, top level).
    const site = await context.newPage();
    await site.goto(`${stack.companionUrl}/login`);
    await site.getByRole('button', { name: 'Sign out' }).click();
    await site.waitForSelector('form input[name="password"]');

    await page.getByTestId('rc-logout').click();
    await loginFrame(page);
    expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
    const last = (await rcEvents(page)).filter((e) => e.type === 'api-response').pop();
    expect(last?.detail).toEqual({ status: 401 });
  });
});
