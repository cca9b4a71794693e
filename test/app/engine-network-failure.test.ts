/**
 * Rocket.Chat unreachable at the network (`rc_rest_url` where nothing listens), through the
 * packaged App in the real engine: every call answers 502 `rocketchat_unavailable`, as the
 * contract says, whichever way Rocket.Chat's HTTP bridge hands the failure over — current
 * versions let the error propagate, older ones resolved to `undefined`.
 */
import { SettingId } from '../../app/settings';
import { startEngine, type EngineHost, type NetworkFailureStyle } from '../../devstack/engine';
import { freePort } from '../support/ports';
import { claimsFor, makeKeys, signWithJose, verificationSettings, type TestKeys } from './fixtures';

let keys: TestKeys;
let engine: EngineHost;
let closedUrl: string;

beforeAll(async () => {
  keys = await makeKeys();
  closedUrl = `http://127.0.0.1:${await freePort()}`; // nobody listens there: refused
  engine = await startEngine({
    serverSettings: { Site_Url: closedUrl },
    settings: {
      ...verificationSettings(keys),
      [SettingId.RcAdminUserId]: 'admin-id',
      [SettingId.RcAdminToken]: 'admin-token',
      [SettingId.RcRestUrl]: closedUrl,
      [SettingId.CompanionUrl]: closedUrl,
    },
  });
}, 180_000);

afterAll(async () => {
  await engine?.close();
});

const call = async (path: 'login' | 'logout', username: string) =>
  engine.execute(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    content: { assertion: await signWithJose(claimsFor(username), { alg: 'EdDSA', key: keys.edNext, kid: 'ed-2026' }) },
  });

describe.each<NetworkFailureStyle>(['propagate', 'resolve-undefined'])('the HTTP bridge hands a refused connection over as %s', (style) => {
  beforeAll(() => engine.setNetworkFailures(style));

  test('login and logout answer 502 rocketchat_unavailable', async () => {
    expect(await call('login', `net-${style}-a`)).toMatchObject({ status: 502, content: { error: 'rocketchat_unavailable' } });
    expect(await call('logout', `net-${style}-b`)).toMatchObject({ status: 502, content: { error: 'rocketchat_unavailable' } });
  });

  test('status says the companion is unreachable, and answers', async () => {
    expect(await engine.execute('status', { method: 'GET' })).toMatchObject({ status: 200, content: { companion: { url: closedUrl, reachable: false } } });
  });
});
