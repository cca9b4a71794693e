/**
 * Whose account is it, tried as an attacker would: the packaged App in the real Apps-Engine
 * runtime, Rocket.Chat's REST stand-in with its own open registration (`users.register`, which
 * leaves the address unverified and the registrant holding the password).
 *
 * - Pre-hijacking: someone registers the username and email of a site user who has not come to
 *   chat yet; the site user's first login must not be handed that account.
 * - A refused create leaves nothing behind that a later holder of the username could pass for.
 * - Matching by verified email (opt-in) needs the address verified in Rocket.Chat too.
 * - What an administrator does to link such an account by hand, and that it then works.
 */
import { SettingId } from '../../app/settings';
import { startEngine, type EngineHost } from '../../devstack/engine';
import { startRocketChat, type RocketChatStandIn, type StoredUser } from '../../devstack/rocketchat';
import { claimsFor, makeKeys, signWithJose, verificationSettings, type TestKeys } from './fixtures';
import { accessSettings } from './harness';

let keys: TestKeys;
let rc: RocketChatStandIn;
const users: StoredUser[] = [];
let engine: EngineHost;

beforeAll(async () => {
  keys = await makeKeys();
  // Open registration, Rocket.Chat's default: anyone may register any free username and address.
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true }, usersCollection: users, registration: true });
  engine = await startEngine({
    serverSettings: { Site_Url: rc.url },
    usersCollection: users,
    settings: { ...verificationSettings(keys), ...accessSettings(rc) },
  });
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await rc?.close();
});

afterEach(async () => {
  await engine.updateSetting(SettingId.MatchByVerifiedEmail, false);
  await engine.updateSetting(SettingId.UsernameConflict, 'refuse');
});

const login = async (username: string, overrides: Record<string, unknown> = {}) =>
  engine.execute('login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    content: { assertion: await signWithJose(claimsFor(username, overrides), { alg: 'EdDSA', key: keys.edNext, kid: 'ed-2026' }) },
  });

/** Rocket.Chat's public registration form, as anyone on the internet may use it. */
async function register(username: string, email: string, pass: string): Promise<StoredUser> {
  const res = await fetch(`${rc.url}/api/v1/users.register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, email, pass, name: `Registered ${username}` }),
  });
  expect(res.status).toBe(200);
  return rc.findUser({ username })!;
}

async function passwordLogin(user: string, password: string): Promise<string | undefined> {
  const res = await fetch(`${rc.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const body = (await res.json()) as { data?: { userId?: string } };
  return res.status === 200 ? body.data?.userId : undefined;
}

const tokensOf = (user: StoredUser) => rc.resumeTokenCount(user._id);

describe('pre-hijacking: an account registered ahead of the site user', () => {
  test('the site user is refused, the registered account is not renamed, linked or given a token', async () => {
    const squatted = await register('vera', 'vera@corp.example', 'attacker-pass-1');
    expect(squatted.emails).toEqual([{ address: 'vera@corp.example', verified: false }]);
    const before = tokensOf(squatted);

    const reply = await login('vera'); // the real Vera: the site vouches for her email
    expect(reply).toMatchObject({ status: 403, content: { error: 'provisioning_denied', reason: 'username_taken' } });
    expect(rc.findUser({ username: 'vera' })).toMatchObject({ _id: squatted._id, name: 'Registered vera' });
    expect(tokensOf(squatted)).toBe(before);
    // The registrant's password still opens only the registrant's own account, never Vera's chats.
    expect(await passwordLogin('vera', 'attacker-pass-1')).toBe(squatted._id);
    // And a later login is refused the same way: nothing was linked.
    expect(await login('vera')).toMatchObject({ status: 403, content: { reason: 'username_taken' } });
  });

  test('suffix policy: no adoption either; the address is the squatter\'s, so Rocket.Chat refuses a second account with it', async () => {
    await engine.updateSetting(SettingId.UsernameConflict, 'suffix');
    const squatted = await register('wade', 'wade@corp.example', 'attacker-pass-2');
    const reply = await login('wade');
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_taken' } });
    expect(rc.users().filter((user) => user.emails.some((e) => e.address === 'wade@corp.example'))).toEqual([expect.objectContaining({ _id: squatted._id })]);
  });

  test('by hand: once an administrator verifies the account\'s email in Rocket.Chat, the next login links it', async () => {
    const own = await register('xena', 'xena@corp.example', 'her-own-pass-3');
    expect(await login('xena')).toMatchObject({ status: 403, content: { reason: 'username_taken' } });
    // Administration › Users › xena › "Verified": the administrator has checked it is the same person.
    rc.findUser({ username: 'xena' })!.emails[0]!.verified = true;
    const reply = await login('xena');
    expect(reply).toMatchObject({ status: 200, content: { userId: own._id, username: 'xena', created: false } });
    // Linked from now on: the same account even after it is renamed.
    rc.findUser({ userId: own._id })!.username = 'xena.w';
    expect(await login('xena')).toMatchObject({ status: 200, content: { userId: own._id } });
  });
});

test('a refused create leaves no pending record that a later holder of the username could pass for', async () => {
  // Walt's account is established; someone asserts the username "vic" with Walt's address.
  const walt = rc.createUser({ username: 'walt', email: 'walt@corp.example', name: 'Walt', verified: true });
  const attacker = { sub: 'site-mallory', email: 'walt@corp.example', email_verified: false };
  expect(await login('vic', attacker)).toMatchObject({ status: 403, content: { reason: 'email_taken' } });
  // Walt renames himself to "vic"; the same assertion must not now take his account over.
  rc.findUser({ userId: walt._id })!.username = 'vic';
  const again = await login('vic', attacker);
  expect(again.status).toBe(403);
  expect(tokensOf(walt)).toBe(0);
  expect(rc.findUser({ userId: walt._id })).toMatchObject({ username: 'vic', name: 'Walt' });
});

describe('matching by verified email (opt-in)', () => {
  test('an account whose address Rocket.Chat has not verified is not adopted', async () => {
    await engine.updateSetting(SettingId.MatchByVerifiedEmail, true);
    const squatted = await register('yara.r', 'yara@corp.example', 'attacker-pass-4');
    const reply = await login('yara');
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_taken' } });
    expect(tokensOf(squatted)).toBe(0);
  });

  test('an account whose address Rocket.Chat has verified is adopted, under its own username', async () => {
    await engine.updateSetting(SettingId.MatchByVerifiedEmail, true);
    const zoe = rc.createUser({ username: 'zoe.k', email: 'Zoe@corp.example', name: 'Zoe K', verified: true });
    expect(await login('zoe')).toMatchObject({ status: 200, content: { userId: zoe._id, username: 'zoe.k', created: false } });
  });
});

test('operators see why: the App status counts the refusals by reason', async () => {
  const status = await engine.execute('status', { method: 'GET' });
  const counts = (status.content as { counts?: { rejections?: Record<string, number> } }).counts;
  expect(counts?.rejections?.username_taken).toBeGreaterThanOrEqual(2);
  expect(counts?.rejections?.email_taken).toBeGreaterThanOrEqual(2);
});
