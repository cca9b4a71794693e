import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../support/browser';
import { totpCode } from '../../devstack/rocketchat';
import { startStack, type Stack } from '../../devstack/stack';
import { eventTypes, loggedInAs, loginFrame, rcEvents, signIn } from './support';

/**
 * Password mode in real Chromium: the site's user has the same password in Rocket.Chat, the
 * companion logs in through /api/v1/login as the user, Rocket.Chat asks for a second factor,
 * the code is typed into the framed page, and the done page posts `login-with-token`.
 */

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const OLD = new Date('2024-01-01T00:00:00Z');

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ tokenMode: 'password' }), launchBrowser()]);
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

it('TOTP typed into the iframe page ends logged in with the token of the user’s own login', async () => {
  const { user } = stack;
  stack.rocketChat.createUser({ username: user.username, email: user.email, name: user.name, password: user.password, verified: true, createdAt: OLD, twoFactor: { totpSecret: TOTP_SECRET } });
  await page.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(page), user.username, user.password);

  const frame = await loginFrame(page);
  const codeField = frame.getByLabel('Code from your authenticator app');
  await codeField.waitFor();
  expect(await frame.locator('#where').textContent()).toContain('authenticator app');
  await saveScreenshot(page, 'e2e-password-two-factor');
  await codeField.fill(totpCode(TOTP_SECRET));
  await frame.getByRole('button', { name: 'Verify' }).click();

  expect(await loggedInAs(page)).toBe(`Logged in as ${user.username}`);
  const events = await rcEvents(page);
  expect(events.find((e) => e.type === 'message')?.detail).toEqual({ origin: stack.companionUrl, event: 'login-with-token' });
  const logins = stack.rocketChat.requests.filter((r) => r.path === '/api/v1/login').map((r) => r.status);
  // totp-required, the code, then the client's own resume login with the token we handed over.
  expect(logins.slice(0, 2)).toEqual([401, 200]);
  // No App involved: password mode never calls it.
  expect(stack.rocketChat.requests.some((r) => r.path.startsWith('/api/apps/'))).toBe(false);

  // Silent SSO afterwards: a fresh client page gets the held token from the API URL.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  expect(await loggedInAs(page)).toBe(`Logged in as ${user.username}`);
  expect(await eventTypes(page)).not.toContain('iframe-shown');
});

it('an emailed code: the page names the masked address, a wrong code is refused, the right one logs in', async () => {
  const bob = { username: 'bob', password: 'bob’s long password', email: 'bob.builder@example.com', name: 'Bob Builder' };
  await stack.addSiteUser(bob);
  stack.rocketChat.createUser({ ...bob, verified: true, createdAt: OLD, twoFactor: { email: true } });
  await page.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(page), bob.username, bob.password);

  const frame = await loginFrame(page);
  const codeField = frame.getByLabel('Code from the email');
  await codeField.waitFor();
  expect(await frame.locator('#where').textContent()).toContain('bo***@example.com');
  const sent = stack.rocketChat.mail.filter((m) => m.to === bob.email);
  expect(sent).toHaveLength(1);

  await codeField.fill(sent[0].code === '000000' ? '111111' : '000000');
  await frame.getByRole('button', { name: 'Verify' }).click();
  await frame.waitForSelector('#error');
  expect(await frame.locator('#error').textContent()).toContain('2 attempts left');

  await frame.getByLabel('Code from the email').fill(sent[0].code);
  await frame.getByRole('button', { name: 'Verify' }).click();
  expect(await loggedInAs(page)).toBe(`Logged in as ${bob.username}`);
});

// Last: the block it provokes stops every sign-in through this stack for its minutes.
it('Rocket.Chat’s brute-force block shows its own message in the iframe, not “check your password”', async () => {
  const dana = { username: 'dana', password: 'dana’s long password', email: 'dana@example.com', name: 'Dana' };
  await stack.addSiteUser(dana);
  stack.rocketChat.createUser({ ...dana, verified: true, createdAt: OLD });
  // Fifty failed logins from this address (Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip), as others' guesses would be.
  for (let i = 0; i < 50; i += 1) {
    await fetch(`${stack.rocketChat.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: `guess${i}`, password: 'wrong' }) });
  }
  await page.goto(`${stack.rocketChat.url}/`);
  await signIn(await loginFrame(page), dana.username, dana.password);

  const frame = await loginFrame(page);
  await frame.waitForSelector('#error');
  const text = (await frame.locator('#error').textContent()) ?? '';
  await saveScreenshot(page, 'e2e-password-blocked');
  expect(text).toContain('Rocket.Chat has paused sign-ins from this service for 5 minutes.');
  expect(text).not.toContain('Check your username and password');
  stack.rocketChat.resetLoginBlock();
});
