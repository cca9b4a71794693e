import axe from 'axe-core';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { FACEBOOK_APP, GOOGLE_CLIENT_ID, startProviderStandIn, type ProviderStandIn } from '../support/social-providers';
import { startStack, type Stack } from '../../devstack/stack';
import { loggedInAs, loginFrame, rcEvents } from './support';

/**
 * The call-*-login relay in real Chromium: the Rocket.Chat stand-in page answers the
 * old events only when Test_Legacy_Social_Login says how (current clients never answer), and
 * every success reply is checked by the companion against the provider stand-ins.
 */

const REPLY_TIMEOUT_MS = 1500;
const HOUR = 3600;
const now = () => Math.floor(Date.now() / 1000);
const VALID = {
  facebook: { accessToken: 'fb-alice', userID: 'fb-1', expiresIn: 3600, status: 'connected' },
  google: { idToken: 'g-alice', userId: 'g-1', email: 'alice@example.com', displayName: 'Alice', oauthToken: 'unused' },
  twitter: { userName: 'alice', userId: 'tw-1', token: 'tw-alice', secret: 'tw-secret' },
};
const NAMES = { facebook: 'Facebook', google: 'Google', twitter: 'Twitter' } as const;

let providers: ProviderStandIn;
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  providers = await startProviderStandIn();
  providers.facebook.set('fb-alice', { appId: FACEBOOK_APP.id, userId: 'fb-1', expiresAt: now() + HOUR, isValid: true, email: 'alice@example.com' });
  providers.facebook.set('fb-other-app', { appId: '4242', userId: 'fb-1', expiresAt: now() + HOUR, isValid: true, email: 'alice@example.com' });
  providers.google.set('g-alice', { aud: GOOGLE_CLIENT_ID, sub: 'g-1', exp: now() + HOUR, email: 'alice@example.com', emailVerified: true });
  providers.google.set('g-expired', { aud: GOOGLE_CLIENT_ID, sub: 'g-1', exp: now() - 60, email: 'alice@example.com', emailVerified: true });
  providers.twitter.set('tw-alice', { secret: 'tw-secret', userId: 'tw-1', email: 'alice@example.com' });
  [stack, browser] = await Promise.all([startStack({ companionEnv: { ...providers.env(), SOCIAL_REPLY_TIMEOUT_MS: String(REPLY_TIMEOUT_MS) } }), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await providers?.close();
});

beforeEach(async () => {
  stack.rocketChat.setSetting('Test_Legacy_Social_Login', undefined);
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

type Provider = keyof typeof NAMES;

async function clickProvider(provider: Provider): Promise<Frame> {
  await page.goto(`${stack.rocketChat.url}/`);
  const frame = await loginFrame(page);
  await frame.getByRole('button', { name: `Continue with ${NAMES[provider]}` }).click();
  return frame;
}

async function errorText(frame: Frame): Promise<string> {
  const alert = frame.locator('#social-error');
  await alert.waitFor({ state: 'visible', timeout: REPLY_TIMEOUT_MS + 5000 });
  return (await alert.textContent())?.replace(/\s+/g, ' ').trim() ?? '';
}

/** The normal form is still there and focus went to the announced error. */
async function expectFormBack(frame: Frame) {
  expect(await frame.getByLabel('Username or email').isVisible()).toBe(true);
  expect(await frame.evaluate(() => document.activeElement?.id)).toBe('social-error');
}

it.each(['facebook', 'google', 'twitter'] as const)('%s: a verified success reply signs in through the done page', async (provider) => {
  stack.rocketChat.setSetting('Test_Legacy_Social_Login', { mode: 'success', responses: VALID });
  await clickProvider(provider);
  expect(await loggedInAs(page)).toBe('Logged in as alice');
  const asked = (await rcEvents(page)).find((e) => e.type === 'social-login-asked');
  expect(asked?.detail).toEqual({ origin: stack.companionUrl, provider, permissions: provider === 'facebook' ? ['email'] : null, answering: true });
});

it.each([
  ['facebook', 'a token of another app', { accessToken: 'fb-other-app', userID: 'fb-1' }],
  ['google', 'an expired token', { idToken: 'g-expired', userId: 'g-1' }],
  ['twitter', 'a mismatched user id', { ...VALID.twitter, userId: 'tw-666' }],
] as const)('%s: a forged success reply (%s) is refused by server-side verification', async (provider, _what, response) => {
  stack.rocketChat.setSetting('Test_Legacy_Social_Login', { mode: 'success', responses: { [provider]: response } });
  const frame = await clickProvider(provider);
  expect(await errorText(frame)).toContain(`Your ${NAMES[provider]} account could not be used to sign in here.`);
  await expectFormBack(frame);
  expect((await rcEvents(page)).some((e) => e.type === 'logged-in')).toBe(false);
});

it("an error reply shows the provider's text, as text", async () => {
  const said = '<img src=x id=injected> User cancelled the dialog.';
  stack.rocketChat.setSetting('Test_Legacy_Social_Login', { mode: 'error', error: said });
  const frame = await clickProvider('google');
  expect(await errorText(frame)).toBe(`Error: Signing in with Google failed. Google said: ${said}`);
  expect(await frame.locator('#injected').count()).toBe(0);
  await expectFormBack(frame);
});

it.each([
  ['a current client (ignores the events)', undefined],
  ['an answering mode that never answers', { mode: 'never' }],
])('no reply within SOCIAL_REPLY_TIMEOUT_MS from %s: a clear message and the form', async (_name, setting) => {
  stack.rocketChat.setSetting('Test_Legacy_Social_Login', setting);
  const frame = await clickProvider('facebook');
  const started = Date.now();
  expect(await errorText(frame)).toContain('Your chat app does not support signing in with Facebook.');
  expect(Date.now() - started).toBeGreaterThan(REPLY_TIMEOUT_MS / 2);
  await expectFormBack(frame);
  expect((await rcEvents(page)).find((e) => e.type === 'social-login-asked')?.detail).toMatchObject({ provider: 'facebook', answering: !!setting });
});

it("success replies from a foreign origin or from a sibling frame on Rocket.Chat's origin are ignored", async () => {
  const callsBefore = providers.calls.length;
  const frame = await clickProvider('facebook');
  // Proof the forged replies do arrive (and are then ignored by the page's own check).
  await frame.evaluate(() => {
    const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
    window.addEventListener('message', (event) => seen.push(`${event.origin} ${event.source === window.parent ? 'parent' : 'other'}`));
  });
  const reply = { event: 'facebook-login-success', response: VALID.facebook };
  await page.evaluate(({ message, companionOrigin }) => {
    const text = JSON.stringify(message);
    // A foreign page (opaque origin) in a second frame, posting to the login frame with '*'.
    const foreign = document.createElement('iframe');
    foreign.src = `data:text/html,<script>parent.frames[0].postMessage(${encodeURIComponent(text)}, '*')</script>`;
    document.body.appendChild(foreign);
    // A sibling window on Rocket.Chat's very origin: the right origin, but not the parent.
    const sibling = document.createElement('iframe');
    document.body.appendChild(sibling);
    (sibling.contentWindow as unknown as { eval(code: string): void }).eval(
      `parent.document.querySelector('iframe[title="login-iframe"]').contentWindow.postMessage(${text}, ${JSON.stringify(companionOrigin)})`,
    );
  }, { message: reply, companionOrigin: stack.companionUrl });
  expect(await errorText(frame)).toContain('Your chat app does not support signing in with Facebook.');
  expect(await frame.evaluate(() => (window as unknown as { seen: string[] }).seen.sort())).toEqual([`${stack.rocketChat.url.replace(/\/$/, '')} other`, 'null other']);
  expect(providers.calls.length).toBe(callsBefore);
  expect((await rcEvents(page)).some((e) => e.type === 'logged-in')).toBe(false);
});

/** The a11y suite's rules, on the page with the social buttons, before and after an error. */
it.each([['theme=light'], ['theme=dark'], ['theme=high-contrast'], ['lang=ar']])('axe finds no WCAG 2.2 AA violation with the buttons (%s)', async (query) => {
  await page.setViewportSize({ width: 390, height: 800 });
  const run = async () => {
    await page.evaluate(axe.source);
    const violations = await page.evaluate(() =>
      (window as unknown as { axe: typeof axe }).axe
        .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
        .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)),
    );
    expect(violations).toEqual([]);
  };
  // At top level nobody can answer, so a click shows the "not supported" error at once.
  await page.goto(`${stack.companionUrl}/login?${query}`);
  await run();
  await page.locator('button[data-provider="google"]').click();
  await page.locator('#social-error').waitFor();
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('social-error');
  await run();
});
