/**
 * The packaged App (dist zip from `npm run package:app`) in the real Apps-Engine runtime
 * (Deno subprocess), talking to the Rocket.Chat stand-in over real HTTP: a login token it
 * returns is accepted by Rocket.Chat, a forgery is refused, settings changes apply, and
 * login latency for an existing user is measured (printed, not asserted).
 */
import { SettingId } from '../../app/settings';
import { startEngine, type EngineHost } from '../../devstack/engine';
import { startRocketChat, type RocketChatStandIn, type StoredUser } from '../../devstack/rocketchat';
import { claimsFor, makeKeys, publicKeysSetting, SECRET, signWithJose, AUDIENCE, ISSUER, type TestKeys } from './fixtures';
import { forgeries } from './forgeries';
import { whoAmI } from './harness';

let keys: TestKeys;
let rc: RocketChatStandIn;
/** Rocket.Chat's `users` collection: REST (the stand-in) and the App's user reader (the engine host) share it. */
const users: StoredUser[] = [];
let engine: EngineHost;

beforeAll(async () => {
  keys = await makeKeys();
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true }, usersCollection: users });
  engine = await startEngine({
    serverSettings: { Site_Url: rc.url },
    usersCollection: users,
    settings: {
      [SettingId.AssertionSecret]: SECRET,
      [SettingId.AssertionPublicKeys]: publicKeysSetting(keys),
      [SettingId.AssertionIssuer]: ISSUER,
      [SettingId.AssertionAudience]: AUDIENCE,
      [SettingId.RcAdminUserId]: rc.admin.userId,
      [SettingId.RcAdminToken]: rc.admin.token,
    },
  });
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await rc?.close();
});

const login = (assertion: unknown) => engine.execute('login', { method: 'POST', headers: { 'content-type': 'application/json' }, content: { assertion } });
const ed = (username: string, overrides: Record<string, unknown> = {}) => signWithJose(claimsFor(username, overrides), { alg: 'EdDSA', key: keys.edNext, kid: 'ed-2026' });

test('status: configured, no secrets', async () => {
  const reply = await engine.execute('status', { method: 'GET' });
  expect(reply).toMatchObject({ status: 200, content: { configured: true, missing: [], version: '0.1.0' } });
  expect(JSON.stringify(reply)).not.toContain(SECRET);
});

test('login creates the user; the loginToken works as X-Auth-Token (GET /api/v1/me)', async () => {
  const reply = await login(await ed('engine-alice'));
  expect(reply).toMatchObject({ status: 200, content: { username: 'engine-alice', created: true } });
  const { userId, loginToken } = reply.content as { userId: string; loginToken: string };
  expect(await whoAmI(rc, userId, loginToken)).toEqual({ status: 200, username: 'engine-alice' });
  const again = await login(await signWithJose(claimsFor('engine-alice'), { alg: 'ES256', key: keys.ec, kid: 'ec-1' }));
  expect(again).toMatchObject({ status: 200, content: { userId, created: false } });
});

test('over real HTTP through Rocket.Chat\'s /api/apps/public/<appId>/login, as the companion calls it', async () => {
  rc.setApps((req, res) => engine.handleHttp(req, res));
  const url = `${rc.url}/api/apps/public/${engine.appId}/login`;
  const post = (body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
  const ok = await post(JSON.stringify({ assertion: await ed('engine-http') }));
  expect(ok.status).toBe(200);
  const { userId, loginToken } = (await ok.json()) as { userId: string; loginToken: string };
  expect((await whoAmI(rc, userId, loginToken)).status).toBe(200);
  const forged = await post(JSON.stringify({ assertion: await forgeries[0]!.make(keys) }));
  expect(forged.status).toBe(401);
  expect(await forged.json()).toEqual({ error: 'invalid_assertion', reason: 'alg_not_allowed' });
  expect((await post('[1,2]')).status).toBe(400);
  expect((await post('assertion=x&user=admin', 'application/x-www-form-urlencoded')).status).toBe(400);
  const status = await fetch(`${rc.url}/api/apps/public/${engine.appId}/status`);
  expect(await status.json()).toMatchObject({ configured: true });
});

test('forged assertions get 401 inside the engine too, and nothing reaches Rocket.Chat', async () => {
  const before = rc.requests.length;
  for (const forgery of forgeries.filter((f) => !f.settings)) {
    const reply = await login(await forgery.make(keys));
    expect({ name: forgery.name, reply }).toMatchObject({ name: forgery.name, reply: { status: 401, content: { error: 'invalid_assertion', reason: forgery.reason } } });
  }
  expect(rc.requests.length).toBe(before);
});

test('a replayed assertion is refused (jti kept in App persistence)', async () => {
  const token = await ed('engine-bob');
  expect((await login(token)).status).toBe(200);
  expect(await login(token)).toMatchObject({ status: 401, content: { reason: 'replayed' } });
});

test('bad request shape → 400', async () => {
  expect(await engine.execute('login', { method: 'POST', content: { assertion: 'x', more: 1 } })).toMatchObject({ status: 400, content: { error: 'bad_request' } });
});

test('settings changed through the engine apply at once (onSettingUpdated)', async () => {
  await engine.updateSetting(SettingId.AutoCreateUsers, false);
  expect(await login(await ed('engine-carol'))).toMatchObject({ status: 403, content: { reason: 'auto_create_off' } });
  await engine.updateSetting(SettingId.AutoCreateUsers, true);
  expect((await login(await ed('engine-carol'))).status).toBe(200);
  await engine.updateSetting(SettingId.AssertionIssuer, '');
  expect(await login(await ed('engine-carol'))).toMatchObject({ status: 503, content: { error: 'not_configured', missing: ['assertion_issuer'] } });
  await engine.updateSetting(SettingId.AssertionIssuer, ISSUER);
});

test('logout revokes the tokens', async () => {
  const reply = await login(await ed('engine-dora'));
  const { userId, loginToken } = reply.content as { userId: string; loginToken: string };
  expect(await engine.execute('logout', { method: 'POST', content: { assertion: await ed('engine-dora') } })).toMatchObject({ status: 200, content: { revoked: true } });
  expect((await whoAmI(rc, userId, loginToken)).status).toBe(401);
});

describe('users read through the engine\'s user reader (user.read), not REST', () => {
  const restCallsDuring = async (run: () => Promise<unknown>) => {
    const before = rc.requests.length;
    await run();
    return rc.requests.slice(before).map((request) => `${request.method} ${request.path}`);
  };

  test('a returning user: the only Rocket.Chat call is users.createToken (no users.info)', async () => {
    const first = await login(await ed('engine-reader'));
    expect(first).toMatchObject({ status: 200, content: { created: true } });
    const calls = await restCallsDuring(async () => expect(await login(await ed('engine-reader'))).toMatchObject({ status: 200, content: { created: false } }));
    expect(calls).toEqual(['POST /api/v1/users.createToken']);
  });

  test('a user deactivated in Rocket.Chat (active: false in its users collection) is refused; no token minted', async () => {
    const { userId } = (await login(await ed('engine-inactive'))).content as { userId: string };
    rc.findUser({ userId })!.active = false;
    const tokens = rc.resumeTokenCount(userId);
    const calls = await restCallsDuring(async () => expect(await login(await ed('engine-inactive'))).toMatchObject({ status: 403, content: { reason: 'user_deactivated' } }));
    expect(calls).toEqual([]);
    expect(rc.resumeTokenCount(userId)).toBe(tokens);
    rc.findUser({ userId })!.active = true;
    expect((await login(await ed('engine-inactive'))).status).toBe(200);
  });

  test('a linked user deleted from Rocket.Chat is unlinked: the next login creates a new user', async () => {
    const { userId } = (await login(await ed('engine-deleted'))).content as { userId: string };
    users.splice(users.findIndex((user) => user._id === userId), 1);
    const again = await login(await ed('engine-deleted'));
    expect(again).toMatchObject({ status: 200, content: { username: 'engine-deleted', created: true } });
    expect((again.content as { userId: string }).userId).not.toBe(userId);
  });

  test('usernames: the reader matches exactly, and Rocket.Chat\'s case-insensitive uniqueness is still honoured', async () => {
    // The same person (verified email) under another case: adopted, never a second account.
    const held = rc.createUser({ username: 'engine-frank', email: 'Engine-Frank@corp.example', verified: true });
    const adopted = await login(await ed('Engine-Frank'));
    expect(adopted).toMatchObject({ status: 200, content: { userId: held._id, username: 'engine-frank', created: false } });
    // A different person under another case: the name is taken (refuse policy).
    rc.createUser({ username: 'engine-gina', email: 'someone-else@corp.example', verified: true });
    expect(await login(await ed('Engine-Gina'))).toMatchObject({ status: 403, content: { reason: 'username_taken' } });
  });
});

test('latency of login for an existing user over 200 calls (printed)', async () => {
  expect((await login(await ed('engine-erin'))).status).toBe(200);
  const tokens = await Promise.all(Array.from({ length: 200 }, () => ed('engine-erin')));
  const times: number[] = [];
  for (const token of tokens) {
    const started = process.hrtime.bigint();
    const reply = await login(token);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    expect(reply.status).toBe(200);
    if (times.length % 50 === 0) engine.clearLogs();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const p95 = times[Math.floor(times.length * 0.95)]!;
  console.log(`engine login, existing user, 200 calls: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`);
}, 120_000);
