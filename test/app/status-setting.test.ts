/**
 * The status line on the App's settings page, in the REAL Apps-Engine runtime
 * (packaged zip, Deno subprocess). The App rewrites the label of the `status` SELECT
 * setting's only option through its environment writer; the engine stores it, notifies the
 * clients (the details bridge) and calls the App's onPreSettingUpdate / onSettingUpdated.
 * What an administrator's settings page shows is the stored setting
 * (`GET /api/apps/:id/settings` returns the App's storage item settings).
 */
import { join } from 'node:path';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import type { AppManager } from '@rocket.chat/apps-engine/server/AppManager';
import { PROBE_CACHE_MS } from '../../app/lib/companion/probe';
import { SettingId, STATUS_OPTION_KEY } from '../../app/settings';
import { startCompanion, type CompanionStandIn } from '../support/app/companion';
import { prepareRuntime, startEngine, type EngineHost } from '../../devstack/engine';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { AUDIENCE, claimsFor, ISSUER, SECRET, signWithJose } from './fixtures';

const BACKCHANNEL_SECRET = 'another-shared-secret-of-32-bytes-or-more';
const CREATE_TOKEN_SECRET = 'the-create-token-secret-value-0123456789';

let rc: RocketChatStandIn;
let companion: CompanionStandIn;
let engine: EngineHost;
let manager: AppManager;
/** Every setting change the engine announced to Rocket.Chat's clients (the details bridge), in order. */
const notified: ISetting[] = [];

beforeAll(async () => {
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
  companion = await startCompanion(rc.url);
  engine = await startEngine({ serverSettings: { Site_Url: rc.url } });
  const { engineDir } = await prepareRuntime();
  manager = (require(join(engineDir, 'server/AppManager')) as { AppManager: { Instance: AppManager } }).AppManager.Instance;
  const details = manager.getBridges().getAppDetailChangesBridge();
  const original = details.doOnAppSettingsChange.bind(details);
  jest.spyOn(details, 'doOnAppSettingsChange').mockImplementation((appId, setting) => {
    if (appId === engine.appId) notified.push(structuredClone(setting));
    return original(appId, setting);
  });
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await companion?.close();
  await rc?.close();
});

/** The status setting as the settings page gets it (the App's storage item, kept in memory by the engine). */
const shown = (): ISetting => manager.getSettingsManager().getAppSetting(engine.appId, SettingId.Status);
const label = (): string => shown().values?.[0]?.i18nLabel ?? '';
/** The status setting as stored (Rocket.Chat's apps collection). */
const stored = async (): Promise<ISetting | undefined> => (await manager.getStorage().retrieveOne(engine.appId))?.settings[SettingId.Status];

async function until(what: () => boolean | Promise<boolean>, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(`timed out; the status line is: ${label()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

const SECRETS = () => [SECRET, BACKCHANNEL_SECRET, CREATE_TOKEN_SECRET, rc.admin.token];
const statusWrites = () => notified.filter((setting) => setting.id === SettingId.Status).length;
const withoutDates = ({ createdAt: _c, updatedAt: _u, ...rest }: ISetting) => rest;
/** The engine's log entries of one App method (e.g. `app:onSettingUpdated`), as text. */
const logsOf = (method: string): string[] =>
  (engine.logs() as Array<{ appId: string; method: string; entries: unknown[] }>).filter((entry) => entry.appId === engine.appId && entry.method === method).map((entry) => JSON.stringify(entry.entries));

async function login(assertion: string): Promise<number> {
  return (await engine.execute('login', { method: 'POST', content: { assertion } })).status;
}

describe('the status setting on the settings page', () => {
  test('after install it lists the missing setting ids; one option, its key fixed', async () => {
    await until(() => label().startsWith('missing'));
    expect(label()).toBe('missing: assertion_secret, assertion_public_keys, assertion_issuer, assertion_audience, rc_admin_user_id, rc_admin_token · companion not set · no login yet · since start: 0 logins, 0 rejections');
    expect(shown()).toMatchObject({ type: 'select', packageValue: STATUS_OPTION_KEY, section: 'section_status', i18nLabel: 'status_label' });
    expect(shown().values).toEqual([{ key: STATUS_OPTION_KEY, i18nLabel: label() }]);
    expect((await stored())?.values).toEqual(shown().values); // stored, not only in memory
  });

  test('an administrator saving it (its only option, or a forged value, label and type) changes nothing: no reload, no refresh, no loop', async () => {
    const before = withoutDates(shown());
    await settle(); // the install's own log entries are in
    expect(logsOf('app:onEnable').join()).toMatch(/setting assertion_issuer: empty/); // a configuration load warns about this
    engine.clearLogs();
    notified.length = 0;

    await engine.updateSetting(SettingId.Status, STATUS_OPTION_KEY);
    await manager.getSettingsManager().updateAppSetting(engine.appId, {
      ...shown(),
      type: 'string' as ISetting['type'],
      value: 'forged',
      values: [{ key: 'forged', i18nLabel: 'all is well' }],
      i18nLabel: 'Forged',
    });
    await settle(800);

    expect(withoutDates(shown())).toEqual(before);
    expect(withoutDates((await stored()) as ISetting)).toEqual(before);
    expect(notified).toHaveLength(2); // the two saves, and no refresh written after them
    const updates = logsOf('app:onSettingUpdated');
    expect(updates).toHaveLength(2); // one call per save: the App wrote nothing back
    expect(updates.join()).not.toMatch(/setting assertion_/); // and reloaded no configuration
  });

  test('configured: the line says so and shows the companion reachable; no secret is ever in it', async () => {
    const values: Record<string, unknown> = {
      [SettingId.AssertionSecret]: SECRET,
      [SettingId.AssertionIssuer]: ISSUER,
      [SettingId.AssertionAudience]: AUDIENCE,
      [SettingId.RcAdminUserId]: rc.admin.userId,
      [SettingId.RcAdminToken]: rc.admin.token,
      [SettingId.RcCreateTokenSecret]: CREATE_TOKEN_SECRET,
      [SettingId.CompanionUrl]: companion.url,
      [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET,
    };
    const writes = statusWrites();
    for (const [id, value] of Object.entries(values)) await engine.updateSetting(id, value);
    await until(() => label() === 'configured · companion reachable · no login yet · since start: 0 logins, 0 rejections');
    expect(statusWrites()).toBeGreaterThan(writes); // each new line announced to the clients
    await settle();
    const everything = JSON.stringify({ shown: shown(), stored: await stored(), notified: notified.filter((setting) => setting.id === SettingId.Status) });
    for (const secret of SECRETS()) expect(everything).not.toContain(secret);
  });

  test('a login shows at once; more within the minute wait (throttled, off the login path); a settings change brings the line up to date', async () => {
    const before = new Date();
    expect(await login(await signWithJose(claimsFor('status-ann'), { alg: 'HS256' }))).toBe(200);
    const after = new Date();
    await until(() => label().includes('since start: 1 login, 0 rejections'));
    const minutes = [before, after].map((at) => `last login ${at.toISOString().slice(0, 16)}Z`);
    expect(minutes.some((minute) => label().includes(minute))).toBe(true);

    const writes = statusWrites();
    const once = await signWithJose(claimsFor('status-bob'), { alg: 'HS256' });
    expect(await login(once)).toBe(200);
    expect(await login(once)).toBe(401); // replayed
    expect((await engine.execute('login', { method: 'POST', content: { nope: true } })).status).toBe(400);
    await settle(800);
    expect(label()).toContain('since start: 1 login, 0 rejections'); // not yet: at most one refresh a minute for logins
    expect(statusWrites()).toBe(writes);

    await engine.updateSetting(SettingId.SyncProfileOnLogin, false);
    await until(() => label().endsWith('since start: 2 logins, 2 rejections (bad_request 1, replayed 1)'));
    expect(label()).toMatch(/^configured · companion reachable · last login \d{4}-\d\d-\d\dT\d\d:\d\dZ · /);
    for (const secret of SECRETS()) expect(JSON.stringify(shown())).not.toContain(secret);
  });

  test('a setting change that leaves the line as it is writes nothing', async () => {
    await settle();
    const writes = statusWrites();
    await engine.updateSetting(SettingId.SyncProfileOnLogin, true);
    await settle(1500); // a refresh follows a settings change within a second
    expect(statusWrites()).toBe(writes);
  });

  test('the companion going down shows once a probe sees it (here: GET status after the probe cache expires)', async () => {
    companion.behaviour.healthz = 503;
    try {
      await settle(PROBE_CACHE_MS + 200);
      const status = await engine.execute('status', { method: 'GET' });
      expect(status.content).toMatchObject({ companion: { reachable: false } });
      await until(() => label().includes('companion unreachable'));
    } finally {
      companion.behaviour.healthz = 200;
    }
  }, 15_000);
});
