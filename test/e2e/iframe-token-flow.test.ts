import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../../devstack/stack';
import { eventTypes, loggedInAs, loginFrame, rcEvents, signIn } from './support';

/**
 * MongoDB mode in real Chromium: the companion writes `services.iframe.token` with the official
 * driver into a MongoDB wire stand-in whose `users` collection is the Rocket.Chat stand-in's own;
 * the login page posts `try-iframe-login`, Rocket.Chat asks the API URL again, gets `{token}` and
 * logs in through its `iframe` login handler.
 */

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ tokenMode: 'mongo' }), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

it('interactive login posts try-iframe-login, and Rocket.Chat logs in with the token the API URL returns', async () => {
  await page.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(page), stack.user.username, stack.user.password);
  expect(await loggedInAs(page)).toBe(`Logged in as ${stack.user.username}`);

  const events = await rcEvents(page);
  expect(events.find((e) => e.type === 'message')?.detail).toEqual({ origin: stack.companionUrl, event: 'try-iframe-login' });
  expect(events.filter((e) => e.type === 'login-attempt').map((e) => e.detail)).toContainEqual({ kind: 'iframe' });
  const record = stack.rocketChat.findUser({ username: stack.user.username });
  expect(record).toMatchObject({ type: 'user', active: true, roles: ['user'], emails: [{ address: stack.user.email, verified: true }] });
  expect(typeof record?.services.iframe?.token).toBe('string');
});

it('silent SSO in MongoDB mode: a fresh client is logged in without the form', async () => {
  await page.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(page), stack.user.username, stack.user.password);
  await loggedInAs(page);

  await page.evaluate(() => localStorage.clear());
  await page.reload();
  expect(await loggedInAs(page)).toBe(`Logged in as ${stack.user.username}`);
  expect(await eventTypes(page)).not.toContain('iframe-shown');
});
