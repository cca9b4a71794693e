import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../support/browser';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { startSite, type Site } from './site';

/** The web client stand-in in real Chromium, in the scenarios of Rocket.Chat's iframe-authentication.spec.ts. */

let browser: Browser;
let rc: RocketChatStandIn;
let site: Site;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  rc = await startRocketChat();
  site = await startSite(rc.url);
});
afterAll(async () => {
  await browser?.close();
  await rc?.close();
  await site?.close();
});

beforeEach(async () => {
  site.behaviour = { status: 401, preflight: true, loginScript: '' };
  site.calls.length = 0;
  rc.setIframe({ enabled: true, url: `${site.url}/login`, apiUrl: `${site.url}/api/session`, apiMethod: 'POST', sendContentType: false });
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await saveScreenshot(page, `client-page-${expect.getState().currentTestName ?? 'test'}`).catch(() => undefined);
  await context.close();
});

type RcEvent = { type: string; detail: unknown };
const events = (p: Page): Promise<RcEvent[]> => p.evaluate(() => (window as unknown as { __rc: { events: RcEvent[] } }).__rc.events);
const loginFrame = async (p: Page): Promise<Frame> => {
  const handle = await p.waitForSelector('iframe[title="login-iframe"]');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('no frame');
  await frame.waitForSelector('#page');
  return frame;
};

function user(name: string) {
  return rc.findUser({ username: name }) ?? rc.createUser({ username: name, email: `${name}@example.com` });
}

it('API URL 200 with a valid loginToken: logged in without the iframe', async () => {
  const alice = user('alice');
  site.behaviour = { ...site.behaviour, status: 200, body: { loginToken: rc.issueResumeToken(alice._id) } };
  await page.goto(rc.url + '/home');
  await page.getByTestId('rc-logged-in').waitFor();
  expect(await page.getByTestId('rc-logged-in').textContent()).toBe('Logged in as alice');
  expect((await events(page)).map((e) => e.type)).not.toContain('iframe-shown');
  expect(await page.locator('iframe[title="login-iframe"]').count()).toBe(0);
  // One request, with the configured method and the Rocket.Chat origin, and no preflight.
  expect(site.calls).toEqual([expect.objectContaining({ method: 'POST', origin: rc.url })]);
  expect(await page.evaluate(() => localStorage.getItem('Meteor.loginToken'))).toEqual(expect.any(String));
});

it('API URL 401: the iframe shows the Iframe URL', async () => {
  await page.goto(rc.url);
  const frame = await loginFrame(page);
  expect(frame.url()).toBe(`${site.url}/login`);
  const box = await page.locator('iframe[title="login-iframe"]').boundingBox();
  expect(box?.width).toBe(page.viewportSize()?.width);
});

it('API URL 200 with an empty body or without a token, or 500: the iframe is shown', async () => {
  site.behaviour = { ...site.behaviour, status: 200, body: undefined }; // what Rocket.Chat's own e2e test serves
  await page.goto(rc.url);
  await loginFrame(page);
  site.behaviour = { ...site.behaviour, status: 200, body: {} };
  await page.reload();
  await loginFrame(page);
  site.behaviour = { ...site.behaviour, status: 500, body: { error: 'boom' } };
  await page.reload();
  await loginFrame(page);
  expect((await events(page)).find((e) => e.type === 'api-response')?.detail).toEqual({ status: 500 });
});

it('API URL 200 with {loginToken: "invalid"}: the iframe is shown', async () => {
  site.behaviour = { ...site.behaviour, status: 200, body: { loginToken: 'invalid' } };
  await page.goto(rc.url);
  await loginFrame(page);
  expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
});

it('a non-200 success status does not count', async () => {
  const alice = user('alice');
  site.behaviour = { ...site.behaviour, status: 201, body: { loginToken: rc.issueResumeToken(alice._id) } };
  await page.goto(rc.url);
  await loginFrame(page);
});

it('login-with-token {loginToken} posted from inside the iframe logs in', async () => {
  const bob = user('bob');
  site.behaviour.loginScript = `window.parent.postMessage({ event: 'login-with-token', loginToken: ${JSON.stringify(rc.issueResumeToken(bob._id))} }, RC);`;
  await page.goto(rc.url);
  await page.getByTestId('rc-logged-in').waitFor();
  expect(await page.getByTestId('rc-logged-in').textContent()).toBe('Logged in as bob');
  expect(await page.locator('iframe[title="login-iframe"]').count()).toBe(0);
});

it('login-with-token {token} uses the iframe login handler (services.iframe.token)', async () => {
  const carol = user('carol');
  rc.setIframeToken(carol._id, 'carol-iframe-token');
  site.behaviour.loginScript = `window.parent.postMessage({ event: 'login-with-token', token: 'carol-iframe-token' }, RC);`;
  await page.goto(rc.url);
  await page.getByTestId('rc-logged-in').waitFor();
  expect(await page.getByTestId('rc-logged-in').textContent()).toBe('Logged in as carol');
  expect((await events(page)).find((e) => e.type === 'login-attempt')?.detail).toEqual({ kind: 'iframe' });
});

it('a failing login posts login-error back to the iframe, to its origin', async () => {
  site.behaviour.loginScript = `window.parent.postMessage({ event: 'login-with-token', loginToken: 'nope' }, RC);`;
  await page.goto(rc.url);
  const frame = await loginFrame(page);
  await frame.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length > 0);
  const received = await frame.evaluate(() => (window as unknown as { received: unknown[] }).received);
  expect(received).toEqual([{ event: 'login-error', response: expect.any(String) }]);
  const posted = (await events(page)).find((e) => e.type === 'login-error-posted');
  expect(posted?.detail).toMatchObject({ origin: site.url });
});

it('does not check the origin of login-with-token (like the real client)', async () => {
  const dan = user('dan');
  await page.goto(rc.url);
  await loginFrame(page);
  // Posted by the Rocket.Chat page itself: another origin than the iframe's, still accepted.
  await page.evaluate((t) => window.postMessage({ event: 'login-with-token', loginToken: t }, '*'), rc.issueResumeToken(dan._id));
  await page.getByTestId('rc-logged-in').waitFor();
});

it('try-iframe-login asks the API URL again', async () => {
  const erin = user('erin');
  const token = rc.issueResumeToken(erin._id);
  await page.goto(rc.url);
  const frame = await loginFrame(page);
  site.behaviour = { ...site.behaviour, status: 200, body: { loginToken: token } };
  await frame.evaluate((origin) => window.parent.postMessage({ event: 'try-iframe-login' }, origin), rc.url);
  await page.getByTestId('rc-logged-in').waitFor();
  expect(site.calls.filter((c) => c.method === 'POST')).toHaveLength(2);
});

it('an empty API URL setting shows Rocket.Chat\'s own login form, which logs in', async () => {
  rc.setIframe({ apiUrl: '' });
  rc.findUser({ username: 'frank' }) ?? rc.createUser({ username: 'frank', email: 'frank@example.com', password: 'frank-pw' });
  await page.goto(rc.url);
  await page.getByTestId('rc-login-form').waitFor();
  expect(await page.locator('iframe[title="login-iframe"]').count()).toBe(0);
  expect(site.calls).toHaveLength(0);
  await page.fill('input[name=user]', 'frank');
  await page.fill('input[name=password]', 'frank-pw');
  await page.click('button[type=submit]');
  await page.getByTestId('rc-logged-in').waitFor();
});

it('the Content-Type variant sends a preflight and works when the API URL answers it', async () => {
  const gus = user('gus');
  rc.setIframe({ sendContentType: true });
  site.behaviour = { ...site.behaviour, status: 200, body: { loginToken: rc.issueResumeToken(gus._id) } };
  await page.goto(rc.url);
  await page.getByTestId('rc-logged-in').waitFor();
  expect(site.calls.map((c) => c.method)).toEqual(['OPTIONS', 'POST']);
  expect(site.calls[1].contentType).toBe('application/json');
});

it('the Content-Type variant fails over to the iframe when the preflight is not answered', async () => {
  const gus = user('gus');
  rc.setIframe({ sendContentType: true });
  site.behaviour = { ...site.behaviour, status: 200, preflight: false, body: { loginToken: rc.issueResumeToken(gus._id) } };
  await page.goto(rc.url);
  await loginFrame(page);
  expect(site.calls.map((c) => c.method)).toEqual(['OPTIONS']);
  expect((await events(page)).map((e) => e.type)).toContain('api-error');
});

it('sends the site cookies with the API request (credentials: include)', async () => {
  await context.addCookies([{ name: 'site_session', value: 'xyz', domain: 'localhost', path: '/', sameSite: 'None', secure: true }]);
  await page.goto(rc.url);
  await loginFrame(page);
  expect(site.calls[0].cookie).toContain('site_session=xyz');
});

it('logout calls /api/v1/logout, clears the token and asks the API URL again (https://github.com/RocketChat/Rocket.Chat/issues/28006)', async () => {
  const hal = user('hal');
  site.behaviour = { ...site.behaviour, status: 200, body: { loginToken: rc.issueResumeToken(hal._id) } };
  await page.goto(rc.url);
  await page.getByTestId('rc-logged-in').waitFor();
  const tokensBefore = rc.resumeTokenCount(hal._id);
  site.behaviour = { ...site.behaviour, status: 401, body: undefined };
  await page.getByTestId('rc-logout').click();
  await loginFrame(page);
  expect(rc.resumeTokenCount(hal._id)).toBe(tokensBefore - 1);
  expect(rc.requests.some((r) => r.path === '/api/v1/logout' && r.userId === hal._id && r.status === 200)).toBe(true);
  expect(await page.evaluate(() => localStorage.getItem('Meteor.loginToken'))).toBeNull();
  expect(site.calls.filter((c) => c.method === 'POST')).toHaveLength(2);
});

it('a stored login token resumes without asking the API URL', async () => {
  const ida = user('ida');
  const token = rc.issueResumeToken(ida._id);
  await page.goto(rc.url + '/api/info'); // same origin, to seed localStorage
  await page.evaluate((t) => localStorage.setItem('Meteor.loginToken', t), token);
  await page.goto(rc.url);
  await page.getByTestId('rc-logged-in').waitFor();
  expect(site.calls).toHaveLength(0);
});

it('adds client=electron to the Iframe URL in the desktop app', async () => {
  const electron = await browser.newContext({ userAgent: 'Mozilla/5.0 Rocket.Chat/4.0 Chrome/120 Electron/28.0.0 Safari/537.36' });
  try {
    const p = await electron.newPage();
    rc.setIframe({ url: `${site.url}/login?lang=en` });
    await p.goto(rc.url);
    const frame = await loginFrame(p);
    expect(frame.url()).toBe(`${site.url}/login?lang=en&client=electron`);
  } finally {
    await electron.close();
  }
});

it('ignores login messages while iframe login is disabled', async () => {
  rc.setIframe({ enabled: false });
  const jo = user('jo');
  await page.goto(rc.url);
  await page.getByTestId('rc-login-form').waitFor();
  await page.evaluate((t) => window.postMessage({ event: 'login-with-token', loginToken: t }, '*'), rc.issueResumeToken(jo._id));
  await page.waitForTimeout(300);
  expect(await page.getByTestId('rc-logged-in').isVisible()).toBe(false);
});

describe('Rocket.Chat embedded in the site (Iframe_Integration_receive_*)', () => {
  afterEach(() => {
    rc.setSetting('Iframe_Integration_receive_enable', false);
    rc.setSetting('Iframe_Integration_receive_origin', '*');
  });

  async function embed(): Promise<Frame> {
    await page.goto(`${site.url}/login`);
    await page.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.src = src;
      frame.name = 'rc';
      document.body.appendChild(frame);
    }, rc.url);
    const frame = await (await page.waitForSelector('iframe[name=rc]')).contentFrame();
    if (!frame) throw new Error('no Rocket.Chat frame');
    await frame.waitForFunction(() => (window as unknown as { __rc?: { events: Array<{ type: string }> } }).__rc?.events.some((e) => e.type === 'iframe-shown'));
    return frame;
  }

  const post = (token: string) =>
    page.evaluate(({ token, origin }) => (document.querySelector('iframe[name=rc]') as HTMLIFrameElement).contentWindow!.postMessage({ externalCommand: 'login-with-token', token }, origin), { token, origin: rc.url });

  it('accepts externalCommand login-with-token from an allowed origin', async () => {
    const kai = user('kai');
    rc.setSetting('Iframe_Integration_receive_enable', true);
    rc.setSetting('Iframe_Integration_receive_origin', site.url);
    const frame = await embed();
    await post(rc.issueResumeToken(kai._id));
    await frame.getByTestId('rc-logged-in').waitFor();
    expect(await frame.getByTestId('rc-logged-in').textContent()).toBe('Logged in as kai');
  });

  it('ignores it from another origin, or while receiving is off', async () => {
    const kai = user('kai');
    rc.setSetting('Iframe_Integration_receive_enable', true);
    rc.setSetting('Iframe_Integration_receive_origin', 'https://elsewhere.example');
    let frame = await embed();
    await post(rc.issueResumeToken(kai._id));
    await page.waitForTimeout(300);
    expect(await frame.getByTestId('rc-logged-in').isVisible()).toBe(false);
    rc.setSetting('Iframe_Integration_receive_enable', false);
    rc.setSetting('Iframe_Integration_receive_origin', '*');
    frame = await embed();
    await post(rc.issueResumeToken(kai._id));
    await page.waitForTimeout(300);
    expect(await frame.getByTestId('rc-logged-in').isVisible()).toBe(false);
  });
});
