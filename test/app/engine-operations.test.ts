/**
 * Single logout and operations in the REAL Apps-Engine runtime (packaged zip, Deno subprocess): Rocket.Chat's
 * IPostUserLoggedOut event reaching a local companion stand-in over real HTTP, propagation
 * off, the companion down; the one-click wiring refusing a broken companion, writing the
 * four Iframe settings for a healthy one and restoring them; and the new status fields.
 */
import * as jose from 'jose';
import { SettingId } from '../../app/settings';
import { deadUrl, startCompanion, type CompanionStandIn } from '../support/app/companion';
import { startEngine, type EngineHost } from '../../devstack/engine';
import { startRocketChat, type RocketChatStandIn, type StoredUser } from '../../devstack/rocketchat';
import { AUDIENCE, claimsFor, ISSUER, SECRET, signWithJose } from './fixtures';

const BACKCHANNEL_SECRET = 'another-shared-secret-of-32-bytes-or-more';
const IFRAME_IDS = ['Accounts_iframe_url', 'Accounts_Iframe_api_url', 'Accounts_Iframe_api_method', 'Accounts_iframe_enabled'];
const PREVIOUS = { Accounts_iframe_url: 'https://old.example/login', Accounts_Iframe_api_url: 'https://old.example/api', Accounts_Iframe_api_method: 'GET', Accounts_iframe_enabled: false };

let rc: RocketChatStandIn;
let companion: CompanionStandIn;
let engine: EngineHost;

beforeAll(async () => {
  const users: StoredUser[] = []; // one collection for REST and the App's user reader
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true }, usersCollection: users });
  companion = await startCompanion(rc.url);
  engine = await startEngine({
    serverSettings: { Site_Url: rc.url, ...PREVIOUS },
    usersCollection: users,
    settings: {
      [SettingId.AssertionSecret]: SECRET,
      [SettingId.AssertionIssuer]: ISSUER,
      [SettingId.AssertionAudience]: AUDIENCE,
      [SettingId.RcAdminUserId]: rc.admin.userId,
      [SettingId.RcAdminToken]: rc.admin.token,
      [SettingId.CompanionUrl]: companion.url,
      [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET,
    },
  });
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await companion?.close();
  await rc?.close();
});

beforeEach(() => {
  companion.backchannel.length = 0;
});

async function loginAs(username: string): Promise<{ userId: string; loginToken: string }> {
  const reply = await engine.execute('login', { method: 'POST', content: { assertion: await signWithJose(claimsFor(username), { alg: 'HS256' }) } });
  expect(reply.status).toBe(200);
  return reply.content as { userId: string; loginToken: string };
}

/** What Rocket.Chat's listener bridge hands the engine for IPostUserLoggedOut: the user converted to the Apps-Engine shape. */
const loggedOut = (id: string, username: string) =>
  engine.fireEvent('IPostUserLoggedOut', { id, username, name: username, emails: [], type: 'user', isEnabled: true, roles: ['user'], status: 'offline', statusConnection: 'offline', utcOffset: 0, createdAt: new Date(), updatedAt: new Date() });

/** An event's log entries reach the engine's log storage a moment after the event resolves. */
async function logsMatching(pattern: RegExp, withinMs = 3000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const text = JSON.stringify(engine.logs());
    if (pattern.test(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const iframeSettings = () => Object.fromEntries(IFRAME_IDS.map((id) => [id, engine.serverSettings.current(id)]));

describe('Rocket.Chat → site logout', () => {
  test('a linked user logs out of Rocket.Chat → the companion receives a logout token it can verify', async () => {
    const { userId } = await loginAs('eng-logout');
    await loggedOut(userId, 'eng-logout');
    expect(companion.backchannel).toHaveLength(1);
    const token = (companion.backchannel[0]!.body as { logout_token: string }).logout_token;
    const { payload, protectedHeader } = await jose.jwtVerify(token, new TextEncoder().encode(BACKCHANNEL_SECRET), { issuer: AUDIENCE, audience: ISSUER, algorithms: ['HS256'], maxTokenAge: 60 });
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload).toMatchObject({ sub: 'site-eng-logout', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
  });

  test('a Rocket.Chat user the App never linked → nothing sent', async () => {
    await loggedOut('someone-else', 'someone');
    expect(companion.backchannel).toHaveLength(0);
  });

  test('logout_propagation off → nothing sent', async () => {
    const { userId } = await loginAs('eng-keep');
    await engine.updateSetting(SettingId.LogoutPropagation, false);
    try {
      await loggedOut(userId, 'eng-keep');
      expect(companion.backchannel).toHaveLength(0);
    } finally {
      await engine.updateSetting(SettingId.LogoutPropagation, true);
    }
  });

  test('companion down → the event still completes, the App keeps working, the reason is logged', async () => {
    const { userId } = await loginAs('eng-down');
    await engine.updateSetting(SettingId.CompanionUrl, await deadUrl());
    try {
      engine.clearLogs();
      const started = Date.now();
      await loggedOut(userId, 'eng-down'); // resolves: a failure here never reaches Rocket.Chat's logout
      expect(Date.now() - started).toBeLessThan(4000);
      const log = await logsMatching(/companion unreachable/);
      expect(log).toMatch(/companion unreachable/);
      expect(log).not.toContain(BACKCHANNEL_SECRET);
      expect(await engine.status()).toBe('manually_enabled');
      expect((await engine.execute('status', { method: 'GET' })).status).toBe(200);
    } finally {
      await engine.updateSetting(SettingId.CompanionUrl, companion.url);
    }
  });
});

describe('one-click wiring', () => {
  test('a broken companion is refused: nothing written, the reason in status and logs', async () => {
    companion.behaviour.corsOrigin = '*';
    try {
      engine.clearLogs();
      await engine.updateSetting(SettingId.ManageIframeSettings, true);
      expect(engine.serverSettings.writes).toEqual([]);
      expect(iframeSettings()).toEqual(PREVIOUS);
      const status = await engine.execute('status', { method: 'GET' });
      expect(status.content).toMatchObject({ wiring: { managed: true, state: 'failed', reason: expect.stringMatching(/CORS grants "\*"/) } });
      expect(await logsMatching(/iframe wiring: nothing changed/)).toMatch(/iframe wiring: nothing changed/);
    } finally {
      companion.behaviour.corsOrigin = rc.url;
      await engine.updateSetting(SettingId.ManageIframeSettings, false);
    }
    expect(engine.serverSettings.writes).toEqual([]); // nothing was saved, so nothing to restore
  });

  test('a healthy companion: the four settings written (enabled last); switching off restores the previous values', async () => {
    await engine.updateSetting(SettingId.ManageIframeSettings, true);
    expect(engine.serverSettings.writes.map(({ id, value }) => ({ id, value }))).toEqual([
      { id: 'Accounts_iframe_url', value: `${companion.url}/login` },
      { id: 'Accounts_Iframe_api_url', value: `${companion.url}/api/session` },
      { id: 'Accounts_Iframe_api_method', value: 'POST' },
      { id: 'Accounts_iframe_enabled', value: true },
    ]);
    expect((await engine.execute('status', { method: 'GET' })).content).toMatchObject({ wiring: { managed: true, state: 'wired' } });

    await engine.updateSetting(SettingId.ManageIframeSettings, false);
    expect(iframeSettings()).toEqual(PREVIOUS);
    expect(engine.serverSettings.writes).toHaveLength(8);
    expect((await engine.execute('status', { method: 'GET' })).content).toMatchObject({ wiring: { managed: false, state: 'restored' } });
  });
});

test('status: contract fields kept, counts since start, companion reachable, no secrets', async () => {
  await engine.execute('login', { method: 'POST', content: { assertion: 'not-a-jws' } });
  const reply = await engine.execute('status', { method: 'GET' });
  expect(reply.content).toMatchObject({
    configured: true,
    missing: [],
    version: '0.1.0',
    lastLoginAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    counts: { logins: 3, rejections: { malformed: 1 } },
    companion: { url: companion.url, reachable: true },
  });
  const text = JSON.stringify(reply);
  for (const secret of [SECRET, BACKCHANNEL_SECRET, rc.admin.token]) expect(text).not.toContain(secret);
});
