/**
 * The endpoints' contract (docs/contract.md): request shape, 401 for every forgery with nothing
 * changed in Rocket.Chat, 502 for every way Rocket.Chat's REST API can fail, 503 with the
 * missing setting ids, logout, status — and no secret or token in the log.
 */
import { SettingId } from '../../app/settings';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { claimsFor, makeKeys, SECRET, signWithJose, type TestKeys } from './fixtures';
import { forgeries } from './forgeries';
import { makeEndpoints, whoAmI } from './harness';

let keys: TestKeys;
let rc: RocketChatStandIn;

beforeAll(async () => {
  keys = await makeKeys();
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
});
afterAll(async () => {
  await rc.close();
});
afterEach(async () => {
  await rc.faults.clear();
});

const assertion = (username: string, overrides: Record<string, unknown> = {}) => signWithJose(claimsFor(username, overrides), { alg: 'HS256' });

describe('request shape', () => {
  test.each([
    ['no body', undefined],
    ['a string', 'eyJ...'],
    ['an array', [{ assertion: 'x' }]],
    ['an empty object', {}],
    ['assertion not a string', { assertion: 42 }],
    ['assertion empty', { assertion: '' }],
    ['an extra member', { assertion: 'a.b.c', user: 'admin' }],
  ])('%s → 400 bad_request', async (_name, content) => {
    const reply = await makeEndpoints(rc, keys).login(content);
    expect(reply).toMatchObject({ status: 400, content: { error: 'bad_request' } });
  });
});

describe('forged assertions', () => {
  test('every forgery gets 401 with its reason, and Rocket.Chat is never asked anything', async () => {
    const usersBefore = JSON.stringify(rc.users());
    const requestsBefore = rc.requests.length;
    for (const forgery of forgeries) {
      const app = makeEndpoints(rc, keys, forgery.settings);
      const reply = await app.login({ assertion: await forgery.make(keys) });
      expect({ name: forgery.name, status: reply.status, content: reply.content }).toEqual({ name: forgery.name, status: 401, content: { error: 'invalid_assertion', reason: forgery.reason } });
      expect((await app.logout({ assertion: await forgery.make(keys) })).status).toBe(401);
    }
    expect(rc.requests.length).toBe(requestsBefore);
    expect(JSON.stringify(rc.users())).toBe(usersBefore);
  });

  test('a replayed assertion: the second use is 401 replayed and mints nothing', async () => {
    const app = makeEndpoints(rc, keys);
    const token = await assertion('quinn');
    expect((await app.login({ assertion: token })).status).toBe(200);
    const userId = rc.findUser({ username: 'quinn' })!._id;
    const tokens = rc.resumeTokenCount(userId);
    expect(await app.login({ assertion: token })).toMatchObject({ status: 401, content: { reason: 'replayed' } });
    expect(rc.resumeTokenCount(userId)).toBe(tokens);
  });
});

describe('Rocket.Chat failing', () => {
  test.each([
    ['down (connection refused)', { down: true }],
    ['answering 500', { status: 500 }],
    ['answering 503', { status: 503 }],
    ['rate limiting (429)', { status: 429 }],
    ['sending malformed JSON', { malformed: true }],
    ['too slow (timeout)', { delayMs: 1500 }],
    ['failing only at users.createToken', { status: 500, paths: /users\.createToken/ }],
  ])('%s → 502 rocketchat_unavailable', async (_name, fault) => {
    await rc.faults.set(fault);
    const app = makeEndpoints(rc, keys, { [SettingId.RcTimeoutMs]: 300 });
    const started = Date.now();
    const reply = await app.login({ assertion: await assertion('rita') });
    expect(reply).toMatchObject({ status: 502, content: { error: 'rocketchat_unavailable' } });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('the real rate limiter of the stand-in (no bypass permission on the caller) → 502, then fine again', async () => {
    const limited = await startRocketChat({ createToken: { mode: '7.x', enabled: true }, rateLimit: true });
    try {
      const user = limited.createUser({ username: 'ratelimited', email: 'ratelimited@corp.example', verified: true, roles: ['user'] });
      const app = makeEndpoints(limited, keys, { [SettingId.RcAdminUserId]: user._id, [SettingId.RcAdminToken]: limited.issueResumeToken(user._id) });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await app.login({ assertion: await assertion('sam') })).status);
      expect(statuses).toContain(502);
      expect(statuses.every((s) => s === 502 || s === 403 || s === 200)).toBe(true);
    } finally {
      await limited.close();
    }
  });

  test('a wrong admin token → 502, and the log points at the credential without printing it', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.RcAdminToken]: 'not-the-token-xyz' });
    expect((await app.login({ assertion: await assertion('tina') })).status).toBe(502);
    const log = app.logger.lines.join('\n');
    expect(log).toMatch(/rc_admin_token/);
    expect(log).not.toContain('not-the-token-xyz');
  });

  test('an admin without create-user (permission error) → 502, no user', async () => {
    const plain = rc.createUser({ username: 'plainadmin', email: 'plain@corp.example', verified: true, roles: ['user'] });
    const app = makeEndpoints(rc, keys, { [SettingId.RcAdminUserId]: plain._id, [SettingId.RcAdminToken]: rc.issueResumeToken(plain._id) });
    expect((await app.login({ assertion: await assertion('uma') })).status).toBe(502);
    expect(rc.findUser({ username: 'uma' })).toBeUndefined();
  });
});

describe('configuration', () => {
  test('not configured → 503 listing the missing setting ids; status says the same', async () => {
    const app = makeEndpoints(undefined, keys, { [SettingId.AssertionSecret]: '', [SettingId.AssertionPublicKeys]: '', [SettingId.AssertionIssuer]: '' });
    const reply = await app.login({ assertion: await assertion('vera') });
    expect(reply.status).toBe(503);
    const { missing } = reply.content as { missing: string[] };
    expect(missing.sort()).toEqual(['assertion_issuer', 'assertion_public_keys', 'assertion_secret', 'rc_admin_token', 'rc_admin_user_id'].sort());
    const status = await app.status();
    expect(status).toMatchObject({ status: 200, content: { configured: false, version: '0.1.0' } });
    expect((status.content as { missing: string[] }).missing).toEqual(expect.arrayContaining([...missing, 'rc_rest_url']));
  });

  test('unusable values count as missing (short secret, unreadable key)', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.AssertionSecret]: 'short', [SettingId.AssertionPublicKeys]: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' });
    const reply = await app.status();
    expect((reply.content as { missing: string[] }).missing.sort()).toEqual(['assertion_public_keys', 'assertion_secret']);
  });

  test('configured: status is true and holds no secret; the REST URL defaults to Site_Url', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.RcRestUrl]: '' });
    const status = await app.status();
    // The contract fields stay; the later fields only add beside them.
    expect(status.content).toEqual({ configured: true, missing: [], version: '0.1.0', lastLoginAt: null, counts: { logins: 0, rejections: {} }, wiring: { managed: false, state: 'off' } });
    expect(JSON.stringify(status)).not.toContain(SECRET);
    expect((await app.login({ assertion: await assertion('wendy') })).status).toBe(200);
    expect(app.http.calls[0]!.url.startsWith(rc.url)).toBe(true);
  });
});

describe('logout', () => {
  test('revokes every login token of the user', async () => {
    const app = makeEndpoints(rc, keys);
    const login = await app.login({ assertion: await assertion('xena') });
    const { userId, loginToken } = login.content as { userId: string; loginToken: string };
    expect((await whoAmI(rc, userId, loginToken)).status).toBe(200);
    expect(await app.logout({ assertion: await assertion('xena') })).toMatchObject({ status: 200, content: { revoked: true } });
    expect(rc.resumeTokenCount(userId)).toBe(0);
    expect((await whoAmI(rc, userId, loginToken)).status).toBe(401);
  });

  test('for somebody never seen: 200, nothing created', async () => {
    const app = makeEndpoints(rc, keys);
    expect(await app.logout({ assertion: await assertion('yuri') })).toMatchObject({ status: 200, content: { revoked: true } });
    expect(rc.findUser({ username: 'yuri' })).toBeUndefined();
  });
});

test('the log never holds an assertion, a login token, the secret or the admin token', async () => {
  const app = makeEndpoints(rc, keys);
  const token = await assertion('zoe');
  const reply = await app.login({ assertion: token });
  await app.login({ assertion: token });
  await app.login({ assertion: `${token}x` });
  const log = app.logger.lines.join('\n');
  for (const secret of [token, token.split('.')[2]!, (reply.content as { loginToken: string }).loginToken, SECRET, rc.admin.token]) expect(log).not.toContain(secret);
  expect(log).toMatch(/replayed/);
});
