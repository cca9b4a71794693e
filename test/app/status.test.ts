/**
 * `GET status` (its additions to the contract) outside the engine: login counts and rejections by
 * reason since start, the last login time, the companion's reachability; still no secret.
 */
import { SettingId } from '../../app/settings';
import { startCompanion, type CompanionStandIn } from '../support/app/companion';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { claimsFor, makeKeys, SECRET, signWithJose, type TestKeys } from './fixtures';
import { makeEndpoints } from './harness';

const BACKCHANNEL_SECRET = 'another-shared-secret-of-32-bytes-or-more';
let keys: TestKeys;
let rc: RocketChatStandIn;
let companion: CompanionStandIn;

beforeAll(async () => {
  keys = await makeKeys();
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
  companion = await startCompanion(rc.url);
});
afterAll(async () => {
  await companion?.close();
  await rc?.close();
});

test('counts logins and rejections by reason; companion reachable; contract fields kept; no secrets', async () => {
  const app = makeEndpoints(rc, keys, { [SettingId.CompanionUrl]: companion.url, [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET });
  const hs = (username: string, overrides: Record<string, unknown> = {}) => signWithJose(claimsFor(username, overrides), { alg: 'HS256' });
  const before = Date.now();
  expect((await app.login({ assertion: await hs('stat-ann') })).status).toBe(200);
  expect((await app.login({ assertion: await hs('stat-ann') })).status).toBe(200);
  const replayed = await hs('stat-bob');
  await app.login({ assertion: replayed });
  await app.login({ assertion: replayed });
  await app.login({ assertion: await hs('stat-cy', { iat: Math.floor(Date.now() / 1000) - 150, exp: Math.floor(Date.now() / 1000) - 120 }) });
  await app.login({ nope: true });
  app.settings[SettingId.AutoCreateUsers] = false;
  await app.login({ assertion: await hs('stat-dee') });

  const status = (await app.status()).content as Record<string, unknown>;
  expect(status).toMatchObject({
    configured: true,
    missing: [],
    version: '0.1.0',
    counts: { logins: 3, rejections: { replayed: 1, expired: 1, bad_request: 1, auto_create_off: 1 } },
    companion: { url: companion.url, reachable: true },
    wiring: { managed: false, state: 'off' },
  });
  expect(status.counts).toEqual({ logins: 3, rejections: { replayed: 1, expired: 1, bad_request: 1, auto_create_off: 1 } });
  expect(Date.parse(status.lastLoginAt as string)).toBeGreaterThanOrEqual(before - 1000);
  const text = JSON.stringify(status);
  for (const secret of [SECRET, BACKCHANNEL_SECRET, rc.admin.token]) expect(text).not.toContain(secret);
});

test('companion down → reachable false; no companion_url → no companion field', async () => {
  const down = makeEndpoints(rc, keys, { [SettingId.CompanionUrl]: 'http://127.0.0.1:9' });
  expect((await down.status()).content).toMatchObject({ companion: { url: 'http://127.0.0.1:9', reachable: false } });
  expect((await makeEndpoints(rc, keys).status()).content).not.toHaveProperty('companion');
});
