/**
 * Single logout and operations through the whole product (startStack: the Rocket.Chat stand-in, the packaged App
 * in the real Apps-Engine, the REAL companion on a real socket): a Rocket.Chat logout ends
 * the site session, so the API URL answers 401 instead of logging the user straight back in
 * (https://github.com/RocketChat/Rocket.Chat/issues/28006); and the one-click wiring passes the real companion's check.
 */
import type { FastifyInstance } from 'fastify';
import { SettingId } from '../../app/settings';
import { cookieJar, csrfFrom } from '../service/support/harness';
import { startStack, type Stack, type StackUser } from '../../devstack/stack';

const BACKCHANNEL_SECRET = 'stack-backchannel-secret-of-32-bytes-min';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ appSettings: { [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET }, companionEnv: { BACKCHANNEL_SECRET } });
  await stack.engine.updateSetting(SettingId.CompanionUrl, stack.companionUrl);
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function formLogin(app: FastifyInstance, user: StackUser) {
  const jar = cookieJar();
  const page = await app.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: jar.header(), origin: stack.companionUrl, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username: user.username, password: user.password, _csrf: csrfFrom(page.body) }).toString(),
  });
  jar.take(response.headers['set-cookie']);
  return jar;
}

const apiSession = (cookie: string) => stack.companion.inject({ method: 'POST', url: '/api/session', headers: { origin: stack.rocketChat.url, cookie } });

test('Rocket.Chat logout (IPostUserLoggedOut) → the companion ends the site session → the API URL answers 401', async () => {
  const jar = await formLogin(stack.companion, stack.user);
  const first = await apiSession(jar.header());
  expect(first.statusCode).toBe(200);
  const rcUser = stack.rocketChat.users().find((u) => u.username === stack.user.username)!;
  expect(rcUser).toBeDefined();

  await stack.engine.fireEvent('IPostUserLoggedOut', { id: rcUser._id, username: rcUser.username, emails: [], type: 'user', isEnabled: true, roles: ['user'] });

  const after = await apiSession(jar.header());
  expect(after.statusCode).toBe(401);
  expect(after.body).toBe('');
});

test('with logout_propagation off, the site session survives a Rocket.Chat logout', async () => {
  const user = { username: 'keeper', password: 'keeper password 123', email: 'keeper@example.com', name: 'Keeper' };
  await stack.addSiteUser(user);
  const jar = await formLogin(stack.companion, user);
  expect((await apiSession(jar.header())).statusCode).toBe(200);
  const rcUser = stack.rocketChat.users().find((u) => u.username === 'keeper')!;
  await stack.engine.updateSetting(SettingId.LogoutPropagation, false);
  try {
    await stack.engine.fireEvent('IPostUserLoggedOut', { id: rcUser._id, username: 'keeper', emails: [], type: 'user', isEnabled: true, roles: ['user'] });
    expect((await apiSession(jar.header())).statusCode).toBe(200);
  } finally {
    await stack.engine.updateSetting(SettingId.LogoutPropagation, true);
  }
});

test('the real companion passes the wiring check: the four Iframe settings point at it; off restores them', async () => {
  const before = stack.engine.serverSettings.current('Accounts_iframe_url');
  await stack.engine.updateSetting(SettingId.ManageIframeSettings, true);
  const status = await stack.engine.execute('status', { method: 'GET' });
  expect(status.content).toMatchObject({ wiring: { managed: true, state: 'wired' }, companion: { url: stack.companionUrl, reachable: true } });
  expect(stack.engine.serverSettings.current('Accounts_iframe_url')).toBe(`${stack.companionUrl}/login`);
  expect(stack.engine.serverSettings.current('Accounts_Iframe_api_url')).toBe(`${stack.companionUrl}/api/session`);
  expect(stack.engine.serverSettings.current('Accounts_Iframe_api_method')).toBe('POST');
  expect(stack.engine.serverSettings.current('Accounts_iframe_enabled')).toBe(true);
  await stack.engine.updateSetting(SettingId.ManageIframeSettings, false);
  expect(stack.engine.serverSettings.current('Accounts_iframe_url')).toBe(before);
  expect(stack.engine.serverSettings.current('Accounts_iframe_enabled')).toBe(false);
}, 30_000);
