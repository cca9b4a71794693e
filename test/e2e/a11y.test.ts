/**
 * Accessibility, in real Chromium: axe-core (WCAG 2.0/2.1/2.2 A and AA tags) finds nothing on any
 * page state, in any theme, at phone and desktop widths; a keyboard alone logs in; the pages
 * reflow at 320 px in every language. Screenshots for people to look at go to test-artifacts/.
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { flatten, shippedCatalogues } from '../../service/i18n/catalogue';
import type { TokenIssuer } from '../../service/modes/issuer';
import { hashPassword } from '../../service/users/password';
import type { UserStore } from '../../service/users/types';
import { ARTIFACTS_DIR, launchBrowser, saveScreenshot } from '../support/browser';
import { PASSWORD, PUBLIC_ORIGIN, seededStore, startHarness, type Harness } from '../service/support/harness';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [390, 1280];

interface Companion {
  url: string;
  h: Harness;
}

/** The companion on a real socket, with PUBLIC_URL naming its port (the form's Origin check needs it). */
async function listening(store: UserStore, env: Record<string, string> = {}, issuer?: TokenIssuer): Promise<Companion> {
  const deps = issuer ? { issuer } : undefined;
  const first = await startHarness({ store, env: { PUBLIC_URL: 'http://localhost:1', ...env }, deps });
  await first.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = first.app.server.address() as AddressInfo;
  const standIn = first.standIn;
  await first.app.close();
  const env2 = { PUBLIC_URL: `http://localhost:${port}`, ASSERTION_ISSUER: PUBLIC_ORIGIN, ...env };
  const h = await startHarness({ store, standIn, env: env2, deps });
  await h.app.listen({ port, host: '127.0.0.1' });
  return { url: `http://localhost:${port}`, h };
}

let browser: Browser;
let main: Companion;
let mongo: Companion;
let limited: Companion;
let store: UserStore;
let failures = 0;

beforeAll(async () => {
  store = await seededStore();
  // LOCKOUT_THRESHOLD=1: the "locked" user is locked after its first failure.
  main = await listening(store, { LOCKOUT_THRESHOLD: '1', LOGIN_RATE_LIMIT_PER_MINUTE: '100000' });
  // A site user whose name a chat account already holds: the App answers username_taken.
  await store.add({ sub: 'sub-dave', username: 'dave', email: 'dave@example.com', email_verified: true, name: 'Dave', passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: '' });
  main.h.standIn.denyWith = { dave: 'username_taken' };
  const issuer: TokenIssuer = { mode: 'mongo', issue: async () => ({ token: 'iframe-token' }), revoke: async () => {}, ready: async () => true, close: async () => {} };
  mongo = await listening(store, { LOGIN_RATE_LIMIT_PER_MINUTE: '100000' }, issuer);
  limited = await listening(store, { LOGIN_RATE_LIMIT_PER_MINUTE: '1' });
  browser = await launchBrowser();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const companion of [main, mongo, limited]) {
    await companion?.h.close();
    await companion?.h.standIn.close();
  }
});

async function submit(page: Page, username: string, password: string) {
  // By id: the labels are in the page's language.
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForNavigation(), page.locator('button[type=submit]').click()]);
}

/** Each state: how to reach it from a fresh page, given the page parameters. */
const STATES: Record<string, (page: Page, query: string) => Promise<void>> = {
  'empty form': async (page, query) => {
    await page.goto(`${main.url}/login?${query}`);
  },
  error: async (page, query) => {
    await page.goto(`${main.url}/login?${query}`);
    failures += 1;
    await submit(page, `nobody-${failures}`, 'wrong');
    await page.locator('#error').waitFor();
  },
  'locked out': async (page, query) => {
    await page.goto(`${main.url}/login?${query}`);
    await submit(page, 'locked', 'wrong');
    await page.locator('#error').waitFor();
  },
  'signed in (done)': async (page, query) => {
    await page.goto(`${main.url}/login?${query}`);
    await submit(page, 'alice', PASSWORD);
    await page.waitForFunction(() => !/…$/.test(document.getElementById('status')?.textContent ?? ''));
  },
  'signed in, mongo mode (mobile notice)': async (page, query) => {
    await page.goto(`${mongo.url}/login?${query}`);
    await submit(page, 'alice', PASSWORD);
    await page.locator('#mobile-notice').waitFor({ timeout: 5000 }).catch(async (e) => {
      throw new Error(`${e}\n${(await page.content()).slice(-800)}`);
    });
  },
  'message page (a chat account already exists)': async (page, query) => {
    await page.goto(`${main.url}/login?${query}`);
    await submit(page, 'dave', PASSWORD);
    const lang = (await page.getAttribute('html', 'lang')) ?? 'en';
    const heading = flatten(shippedCatalogues().get(lang) ?? {}).flat['pages.accountExists.heading'];
    expect(await page.locator('h1').textContent()).toBe(heading);
  },
  'message page (too many attempts)': async (page, query) => {
    // One attempt a minute: the first ever is a failed login, every later one is over the limit.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await page.goto(`${limited.url}/login?${query}`);
      await submit(page, 'someone', 'wrong');
      if ((await page.locator('form').count()) === 0) return;
    }
    throw new Error('the rate limit never answered');
  },
};

const THEMES: [string, string, BrowserContextOptions][] = [
  ['light', 'theme=light', {}],
  ['dark', 'theme=dark', {}],
  ['high-contrast', 'theme=high-contrast', {}],
  ['system dark (prefers-color-scheme)', '', { colorScheme: 'dark' }],
  ['system more contrast (prefers-contrast)', '', { contrast: 'more' }],
  ['Arabic, light', 'lang=ar', {}],
];

type Found = { theme: string; width: number; state: string; rule: string; impact: string | null | undefined; targets: string[] };

async function runAxe(page: Page): Promise<axe.Result[]> {
  await page.evaluate(axe.source);
  return page.evaluate(
    (tags) => (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }).then((r) => r.violations),
    AXE_TAGS,
  );
}

test.each(THEMES)('axe: no WCAG 2.2 AA violation in any state, theme %s, at 390 and 1280 px', async (theme, query, options) => {
  const found: Found[] = [];
  let checked = 0;
  for (const width of WIDTHS) {
    for (const [state, reach] of Object.entries(STATES)) {
      // A context per state: cookies ignore ports, so one companion's session would leak into the next.
      const context = await browser.newContext({ ...options, viewport: { width, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await reach(page, query).catch((error: Error) => {
        throw new Error(`${state} at ${width}px: ${error.message.split('\n')[0]} — ${page.url()}`);
      });
      for (const violation of await runAxe(page)) {
        found.push({ theme, width, state, rule: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => String(node.target)) });
      }
      checked += 1;
      await context.close();
    }
  }
  writeFileSync(join(ARTIFACTS_DIR, `axe-${theme.replace(/[^\w]+/g, '_')}.json`), JSON.stringify({ checked, violations: found }, null, 2));
  expect(found).toEqual([]);
}, 120_000);

test('keyboard only: Tab/Enter log in; the error is focused and announced; focus is always visible', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      const style = el ? getComputedStyle(el) : null;
      return { id: el?.id || el?.tagName.toLowerCase(), outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
    });
  const visible = (outline: string) => /^(solid|auto) [3-9]/.test(outline);

  // The mongo-mode companion: the main one locks an account after one failure.
  await page.goto(`${mongo.url}/login`);
  // Chromium applies `autofocus` at its next rendering step after load, which a busy machine delays.
  await page.waitForFunction(() => document.activeElement?.id === 'username', undefined, { timeout: 5_000 }).catch(() => undefined);
  expect((await focused()).id).toBe('username'); // autofocus: the first field is ready to type
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  expect((await focused()).id).toBe('password');
  await page.keyboard.type('not the password');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

  // The error: focused, an alert (announced on arrival), tied to the fields, not told by colour alone.
  const error = page.locator('#error');
  await error.waitFor();
  const onError = await focused();
  expect(onError.id).toBe('error');
  expect(visible(onError.outline)).toBe(true);
  expect(await error.getAttribute('role')).toBe('alert');
  expect(await error.textContent()).toContain('Error: Sign-in failed. Check your username and password and try again.');
  expect(await page.getByLabel('Username or email').getAttribute('aria-describedby')).toBe('error');
  expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');

  // Focus order: error → username (kept) → password → Sign in.
  const order: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused();
    expect(visible(now.outline)).toBe(true);
    order.push(now.id ?? '');
    if (now.id === 'password') await page.keyboard.type(PASSWORD);
  }
  expect(order).toEqual(['username', 'password', 'button']);
  expect(await page.getByLabel('Username or email').inputValue()).toBe('alice');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

  await page.waitForFunction(() => /return to the chat/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 5000 }).catch(async (e) => {
    throw new Error(`${e}\n${(await page.content()).slice(-1500)}`);
  });
  expect(await page.locator('#status').getAttribute('role')).toBe('status');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sign out');
  await context.close();
}, 60_000);

test('reflow: no horizontal scrolling at 320 px in any language, form or error', async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  for (const lang of ['en', 'de', 'fr', 'es', 'pt-BR', 'ru', 'ja', 'zh-CN', 'ar']) {
    await page.goto(`${main.url}/login?lang=${lang}`);
    expect({ lang, overflow: await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth) }).toEqual({ lang, overflow: false });
    await page.locator('#username').fill(`nobody-reflow-${lang}`);
    await page.locator('#password').fill('wrong');
    await Promise.all([page.waitForNavigation(), page.locator('button[type=submit]').click()]);
    expect({ lang, overflow: await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth) }).toEqual({ lang, overflow: false });
  }
  await context.close();
}, 60_000);

test('reflow: the account-exists page has no horizontal scrolling at 320 px in any language', async () => {
  for (const lang of ['en', 'de', 'fr', 'es', 'pt-BR', 'ru', 'ja', 'zh-CN', 'ar']) {
    // A context per language: the refused login still leaves a site session behind.
    const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${main.url}/login?lang=${lang}`);
    await submit(page, 'dave', PASSWORD);
    expect({ lang, form: await page.locator('form').count() }).toEqual({ lang, form: 0 });
    expect({ lang, overflow: await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth) }).toEqual({ lang, overflow: false });
    if (lang === 'ar') await saveScreenshot(page, 'account-exists-ar-320');
    await context.close();
  }
}, 60_000);

test('screenshots at 390 px: light, dark, Arabic, high contrast, and the error', async () => {
  const shots: [string, string, BrowserContextOptions][] = [
    ['login-light-390', '', { colorScheme: 'light' }],
    ['login-dark-390', '', { colorScheme: 'dark' }],
    ['login-ar-390', 'lang=ar', { colorScheme: 'light' }],
    ['login-high-contrast-390', 'theme=high-contrast', {}],
  ];
  for (const [name, query, options] of shots) {
    const context = await browser.newContext({ ...options, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${main.url}/login?${query}`);
    await saveScreenshot(page, name);
    if (name === 'login-ar-390' || name === 'login-dark-390') {
      await submit(page, 'nobody-shot', 'wrong');
      await saveScreenshot(page, name.replace('login-', 'login-error-'));
    }
    await context.close();
  }
}, 60_000);
