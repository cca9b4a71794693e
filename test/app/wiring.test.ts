/**
 * One-click wiring outside the engine: the companion check against a local stand-in over
 * real sockets, each broken behaviour refused with nothing written, a healthy companion
 * wired (backup first, `enabled` last), and switching off restoring what was there.
 */
import type { IServerSettingsModify } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { checkCompanion } from '../../app/lib/companion/check';
import { originOf } from '../../app/lib/companion/http';
import { CompanionProbe } from '../../app/lib/companion/probe';
import { parseBackup } from '../../app/lib/companion/settingBackup';
import { BackupStore, IframeSettings, IframeWiring } from '../../app/lib/companion/wiring';
import { fakeRead, FetchHttp, MemoryLogger } from '../support/app/accessors';
import { deadUrl, startCompanion, type CompanionStandIn } from '../support/app/companion';

const SITE = 'https://chat.example.com';
const PREVIOUS = { Accounts_iframe_url: 'https://old.example/login', Accounts_Iframe_api_url: 'https://old.example/api', Accounts_Iframe_api_method: 'GET', Accounts_iframe_enabled: false };

let companion: CompanionStandIn;

beforeAll(async () => {
  companion = await startCompanion(SITE);
});
afterAll(async () => companion?.close());

class MemoryBackup implements BackupStore {
  value?: IframeSettings;
  async load() {
    return this.value;
  }
  async save(values: IframeSettings) {
    this.value = { ...values };
  }
  async clear() {
    this.value = undefined;
  }
}

function rocketChat(serverSettings: Record<string, unknown> = { Site_Url: `${SITE}/`, ...PREVIOUS }) {
  const writes: Array<{ id: string; value: unknown }> = [];
  const modify = {
    modifySetting: async (setting: ISetting) => {
      writes.push({ id: setting.id, value: setting.value });
      serverSettings[setting.id] = setting.value;
    },
  } as unknown as IServerSettingsModify;
  const logger = new MemoryLogger();
  const backup = new MemoryBackup();
  const context = { read: fakeRead({ serverSettings }), http: new FetchHttp(), serverSettings: modify, backup, log: logger.asLogger() };
  return { serverSettings, writes, logger, backup, context };
}

afterEach(() => {
  Object.assign(companion.behaviour, { healthz: 200, readyz: 200, corsOrigin: SITE, credentials: true, frameAncestors: [SITE], delayMs: 0 });
});

test('origins as browsers send them', () => {
  expect(originOf('https://Chat.Example.com:443/path?x')).toBe('https://chat.example.com');
  expect(originOf('http://localhost:80/')).toBe('http://localhost');
  expect(originOf('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  expect(originOf('ftp://x')).toBeUndefined();
});

test('a healthy companion passes the check', async () => {
  expect(await checkCompanion(new FetchHttp(), companion.url, SITE)).toEqual({ ok: true });
  const asked = companion.requests.map((r) => `${r.method} ${r.path}`);
  expect(asked).toEqual(expect.arrayContaining(['GET /healthz', 'GET /readyz', 'POST /api/session', 'GET /login']));
  expect(companion.requests.find((r) => r.path === '/api/session')!.origin).toBe(SITE);
});

const broken: Array<[string, () => void | Promise<void>, RegExp]> = [
  ['healthz fails', () => void (companion.behaviour.healthz = 500), /healthz: HTTP 500/],
  ['not ready (cannot reach the App)', () => void (companion.behaviour.readyz = 503), /readyz.*HTTP 503/],
  ['CORS grants another origin', () => void (companion.behaviour.corsOrigin = 'https://other.example'), /CORS grants "https:\/\/other.example", not https:\/\/chat.example.com/],
  ['CORS grants *', () => void (companion.behaviour.corsOrigin = '*'), /CORS grants "\*"/],
  ['no CORS at all', () => void (companion.behaviour.corsOrigin = null), /CORS grants no origin/],
  ['CORS without credentials', () => void (companion.behaviour.credentials = false), /Allow-Credentials/],
  ['login page not frameable by Rocket.Chat', () => void (companion.behaviour.frameAncestors = ['https://other.example']), /frame-ancestors/],
];

test.each(broken)('refused, nothing written: %s', async (_name, breakIt, reason) => {
  await breakIt();
  const { writes, backup, context, logger } = rocketChat();
  const state = await new IframeWiring().enable(companion.url, context);
  expect(state).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason) });
  expect(writes).toEqual([]);
  expect(backup.value).toBeUndefined();
  expect(logger.lines.join('\n')).toMatch(/iframe wiring: nothing changed/);
});

test('refused, nothing written: companion down, URL not set, Site_Url unusable', async () => {
  const down = rocketChat();
  expect(await new IframeWiring().enable(await deadUrl(), down.context)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/unreachable/) });
  const unset = rocketChat();
  expect(await new IframeWiring().enable('', unset.context)).toMatchObject({ state: 'failed', reason: 'companion_url is not set' });
  const noSite = rocketChat({ Site_Url: 'chat.example.com', ...PREVIOUS });
  expect(await new IframeWiring().enable(companion.url, noSite.context)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/Site_Url/) });
  expect([...down.writes, ...unset.writes, ...noSite.writes]).toEqual([]);
});

test('healthy: previous values saved, then the four written with enabled last; off restores them', async () => {
  const { writes, backup, context, serverSettings } = rocketChat();
  const wiring = new IframeWiring();
  expect(await wiring.enable(companion.url, context)).toMatchObject({ state: 'wired' });
  expect(backup.value).toEqual(PREVIOUS);
  expect(writes).toEqual([
    { id: 'Accounts_iframe_url', value: `${companion.url}/login` },
    { id: 'Accounts_Iframe_api_url', value: `${companion.url}/api/session` },
    { id: 'Accounts_Iframe_api_method', value: 'POST' },
    { id: 'Accounts_iframe_enabled', value: true },
  ]);

  // A second enable (another companion URL) keeps the values from before the first.
  expect(await wiring.enable(companion.url, context)).toMatchObject({ state: 'wired' });
  expect(backup.value).toEqual(PREVIOUS);

  writes.length = 0;
  expect(await wiring.disable(context)).toMatchObject({ state: 'restored' });
  expect(writes[0]).toEqual({ id: 'Accounts_iframe_enabled', value: false }); // off first on the way out
  expect(Object.fromEntries(Object.keys(PREVIOUS).map((id) => [id, serverSettings[id]]))).toEqual(PREVIOUS);
  expect(backup.value).toBeUndefined();
  writes.length = 0;
  expect(await wiring.disable(context)).toMatchObject({ state: 'off' });
  expect(writes).toEqual([]);
});

test('a saved backup means "wired" after a restart', async () => {
  const backup = new MemoryBackup();
  backup.value = PREVIOUS;
  const wiring = new IframeWiring();
  await wiring.recall(backup);
  expect(wiring.state.state).toBe('wired');
});

test('the backup setting holds exactly the four values or nothing', () => {
  expect(parseBackup(JSON.stringify(PREVIOUS))).toEqual(PREVIOUS);
  expect(parseBackup('')).toBeNull();
  expect(parseBackup('{"Accounts_iframe_url":"x"}')).toBeNull();
  expect(parseBackup('not json')).toBeNull();
});

test('status probe: one healthz call per few seconds, short timeout', async () => {
  let now = 1_000_000;
  const probe = new CompanionProbe(() => now);
  const http = new FetchHttp();
  expect(await probe.reachable(http, companion.url)).toBe(true);
  expect(await probe.reachable(http, companion.url)).toBe(true);
  expect(http.calls).toHaveLength(1);
  companion.behaviour.healthz = 503;
  now += 6000;
  expect(await probe.reachable(http, companion.url)).toBe(false);
  expect(await probe.reachable(http, await deadUrl())).toBe(false);
});

test('the backup lives in the hidden App setting: written as JSON, read back by a fresh process', async () => {
  const { SettingBackup } = await import('../../app/lib/companion/settingBackup');
  const stored: Record<string, unknown> = {};
  const reader = { getValueById: async (id: string) => stored[id] } as never;
  const writer = { updateValue: async (id: string, value: unknown) => void (stored[id] = value) } as never;
  const first = new SettingBackup(reader, writer);
  expect(await first.load()).toBeUndefined();
  await first.save(PREVIOUS);
  expect(JSON.parse(stored.iframe_settings_backup as string)).toEqual(PREVIOUS);
  expect(await new SettingBackup(reader, writer).load()).toEqual(PREVIOUS); // after a restart
  await first.clear();
  expect(stored.iframe_settings_backup).toBe('');
  expect(await first.load()).toBeUndefined();
});

test('which setting changes move the wiring: the switch, and companion_url only while on', async () => {
  const { context: ctx, writes } = rocketChat();
  const context = () => ctx;
  const wiring = new IframeWiring();
  const ops = (manage: boolean, url = companion.url) => ({ companionUrl: url, logoutPropagation: true, manageIframeSettings: manage });
  expect(await wiring.settingChanged('auto_create_users', ops(true), context)).toBeUndefined();
  expect(await wiring.settingChanged('companion_url', ops(false), context)).toBeUndefined();
  expect(writes).toEqual([]);
  expect(await wiring.settingChanged('manage_iframe_settings', ops(true), context)).toMatchObject({ state: 'wired' });
  expect(await wiring.settingChanged('companion_url', ops(true, 'http://127.0.0.1:9'), context)).toMatchObject({ state: 'failed' });
  expect(await wiring.settingChanged('manage_iframe_settings', ops(false), context)).toMatchObject({ state: 'restored' });
});
