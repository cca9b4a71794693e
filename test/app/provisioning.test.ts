/**
 * `login` against the Rocket.Chat REST stand-in over real HTTP: existing and new users,
 * both users.createToken forms, every policy refusal, username conflicts, retries.
 */
import { SettingId } from '../../app/settings';
import { MemoryPersistence } from '../support/app/accessors';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { claimsFor, makeKeys, signWithJose, type TestKeys } from './fixtures';
import { makeEndpoints, whoAmI } from './harness';

let keys: TestKeys;
let rc: RocketChatStandIn;

beforeAll(async () => {
  keys = await makeKeys();
});
beforeEach(async () => {
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
});
afterEach(async () => {
  await rc.close();
});

const assertion = (username: string, overrides: Record<string, unknown> = {}) => signWithJose(claimsFor(username, overrides), { alg: 'EdDSA', key: keys.edNext, kid: 'ed-2026' });

describe('existing users', () => {
  test('a user with the same username and verified email logs in; the token works as X-Auth-Token', async () => {
    const alice = rc.createUser({ username: 'alice', email: 'alice@corp.example', name: 'Alice Example', verified: true });
    const app = makeEndpoints(rc, keys);
    const reply = await app.login({ assertion: await assertion('alice') });
    expect(reply.status).toBe(200);
    expect(reply.content).toMatchObject({ userId: alice._id, username: 'alice', created: false });
    const { loginToken } = reply.content as { loginToken: string };
    expect(await whoAmI(rc, alice._id, loginToken)).toEqual({ status: 200, username: 'alice' });
    // Nothing to sync: no users.update call.
    expect(rc.requests.filter((r) => r.path === '/api/v1/users.update')).toHaveLength(0);
  });

  test('profile sync updates name, email and grantable roles; off, it changes nothing', async () => {
    rc.createUser({ username: 'alice', email: 'alice@corp.example', name: 'Old Name', verified: true, roles: ['user', 'moderator'] });
    const app = makeEndpoints(rc, keys, { [SettingId.GrantableRoles]: 'moderator,livechat-agent', [SettingId.SyncProfileOnLogin]: false });
    expect((await app.login({ assertion: await assertion('alice', { name: 'New Name' }) })).status).toBe(200);
    expect(rc.findUser({ username: 'alice' })!.name).toBe('Old Name');

    app.settings[SettingId.SyncProfileOnLogin] = true;
    const reply = await app.login({ assertion: await assertion('alice', { name: 'New Name', roles: ['livechat-agent'], email: 'alice@new.example' }) });
    expect(reply.status).toBe(200);
    const user = rc.findUser({ username: 'alice' })!;
    expect(user.name).toBe('New Name');
    expect(user.emails).toEqual([{ address: 'alice@new.example', verified: true }]);
    // moderator is managed (grantable) and no longer asserted: removed; livechat-agent granted.
    expect(user.roles.sort()).toEqual(['livechat-agent', 'user']);
  });

  test('sync to an email another account holds: 403 email_taken, the user unchanged', async () => {
    rc.createUser({ username: 'alice', email: 'alice@corp.example', name: 'Alice Example', verified: true });
    rc.createUser({ username: 'other', email: 'taken@corp.example', verified: true });
    const app = makeEndpoints(rc, keys);
    expect((await app.login({ assertion: await assertion('alice') })).status).toBe(200); // linked from now on
    const reply = await app.login({ assertion: await assertion('alice', { email: 'taken@corp.example' }) });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_taken' } });
    expect(rc.findUser({ username: 'alice' })!.emails[0]!.address).toBe('alice@corp.example');
  });

  test('a deactivated user is refused and gets no token', async () => {
    const bob = rc.createUser({ username: 'bob', email: 'bob@corp.example', verified: true, active: false });
    const reply = await makeEndpoints(rc, keys).login({ assertion: await assertion('bob') });
    expect(reply).toMatchObject({ status: 403, content: { error: 'provisioning_denied', reason: 'user_deactivated' } });
    expect(rc.resumeTokenCount(bob._id)).toBe(0);
  });
});

describe('new users', () => {
  test('created with default roles, verified email, and never a duplicate on the next login', async () => {
    const app = makeEndpoints(rc, keys);
    const first = await app.login({ assertion: await assertion('carol') });
    expect(first).toMatchObject({ status: 200, content: { username: 'carol', created: true } });
    const carol = rc.findUser({ username: 'carol' })!;
    expect(carol).toMatchObject({ name: 'Carol Example', active: true, roles: ['user'], emails: [{ address: 'carol@corp.example', verified: true }] });
    const second = await app.login({ assertion: await assertion('carol') });
    expect(second).toMatchObject({ status: 200, content: { userId: carol._id, created: false } });
    expect(rc.users().filter((u) => u.username.startsWith('carol'))).toHaveLength(1);
    const { loginToken } = second.content as { loginToken: string };
    expect((await whoAmI(rc, carol._id, loginToken)).status).toBe(200);
  });

  test('Rocket.Chat 8.x: users.createToken with the secret', async () => {
    await rc.close();
    rc = await startRocketChat({ createToken: { mode: '8.x', secret: 'the-8x-secret' } });
    const withoutSecret = makeEndpoints(rc, keys);
    expect((await withoutSecret.login({ assertion: await assertion('dave') })).status).toBe(502);
    const app = makeEndpoints(rc, keys, { [SettingId.RcCreateTokenSecret]: 'the-8x-secret' });
    const reply = await app.login({ assertion: await assertion('dave') });
    expect(reply).toMatchObject({ status: 200, content: { username: 'dave' } });
    const { loginToken, userId } = reply.content as { loginToken: string; userId: string };
    expect((await whoAmI(rc, userId, loginToken)).status).toBe(200);
    expect(app.logger.lines.join('\n')).not.toContain('the-8x-secret');
  });

  test('7.x with CREATE_TOKENS_FOR_USERS off: 502, and the log says why', async () => {
    await rc.close();
    rc = await startRocketChat({ createToken: { mode: '7.x', enabled: false } });
    const app = makeEndpoints(rc, keys);
    expect(await app.login({ assertion: await assertion('erin') })).toMatchObject({ status: 502, content: { error: 'rocketchat_unavailable' } });
    expect(app.logger.lines.join('\n')).toMatch(/CREATE_TOKENS_FOR_USERS/);
  });

  test('auto-create off: 403 and no user', async () => {
    const reply = await makeEndpoints(rc, keys, { [SettingId.AutoCreateUsers]: false }).login({ assertion: await assertion('frank') });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'auto_create_off' } });
    expect(rc.findUser({ username: 'frank' })).toBeUndefined();
  });

  test('email domain not allowed: 403, nothing asked of Rocket.Chat', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.AllowedEmailDomains]: 'partner.example, @corp.example' });
    expect((await app.login({ assertion: await assertion('gina') })).status).toBe(200);
    const before = rc.requests.length;
    const reply = await app.login({ assertion: await assertion('hank', { email: 'hank@evil.example' }) });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_domain_not_allowed' } });
    expect(rc.requests.length).toBe(before);
  });

  test('unverified email refused when require_verified_email is on', async () => {
    const reply = await makeEndpoints(rc, keys, { [SettingId.RequireVerifiedEmail]: true }).login({ assertion: await assertion('ivan', { email_verified: false }) });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_not_verified' } });
  });

  test('roles: only grantable ones, admin only when listed explicitly', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.GrantableRoles]: 'moderator' });
    expect(await app.login({ assertion: await assertion('judy', { roles: ['admin'] }) })).toMatchObject({ status: 403, content: { reason: 'role_not_grantable' } });
    expect(rc.findUser({ username: 'judy' })).toBeUndefined();
    expect((await app.login({ assertion: await assertion('judy', { roles: ['moderator'] }) })).status).toBe(200);
    expect(rc.findUser({ username: 'judy' })!.roles.sort()).toEqual(['moderator', 'user']);

    const none = makeEndpoints(rc, keys);
    expect(await none.login({ assertion: await assertion('karl', { roles: ['user'] }) })).toMatchObject({ status: 403, content: { reason: 'role_not_grantable' } });
    const admins = makeEndpoints(rc, keys, { [SettingId.GrantableRoles]: 'admin' });
    expect((await admins.login({ assertion: await assertion('karl', { roles: ['admin'] }) })).status).toBe(200);
    expect(rc.findUser({ username: 'karl' })!.roles).toContain('admin');
  });
});

describe('a username held by a different person', () => {
  beforeEach(() => {
    rc.createUser({ username: 'lena', email: 'lena@elsewhere.example', verified: true });
  });

  test('refuse (default): 403 username_taken, the holder untouched', async () => {
    const reply = await makeEndpoints(rc, keys).login({ assertion: await assertion('lena') });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'username_taken' } });
    expect(rc.findUser({ username: 'lena' })!.emails[0]!.address).toBe('lena@elsewhere.example');
  });

  test('same username and email but the assertion does not vouch for the email: still a different person', async () => {
    rc.createUser({ username: 'mona', email: 'mona@corp.example', verified: true });
    const reply = await makeEndpoints(rc, keys).login({ assertion: await assertion('mona', { email_verified: false }) });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'username_taken' } });
  });

  test('suffix: a new user with a stable suffixed name, the same one on every retry', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.UsernameConflict]: 'suffix' });
    const first = await app.login({ assertion: await assertion('lena', { email: 'lena@corp.example' }) });
    expect(first).toMatchObject({ status: 200, content: { created: true } });
    const { username } = first.content as { username: string };
    expect(username).toMatch(/^lena-[0-9a-f]{6}$/);
    const again = await app.login({ assertion: await assertion('lena', { email: 'lena@corp.example' }) });
    expect(again).toMatchObject({ status: 200, content: { username, created: false } });
    // Even with the App's memory lost, the suffixed user is recognised (same name, same verified email).
    const amnesiac = makeEndpoints(rc, keys, { [SettingId.UsernameConflict]: 'suffix' });
    expect(await amnesiac.login({ assertion: await assertion('lena', { email: 'lena@corp.example' }) })).toMatchObject({ status: 200, content: { username, created: false } });
    expect(rc.users().filter((u) => u.username.startsWith('lena'))).toHaveLength(2);
  });
});

describe('matching by verified email', () => {
  beforeEach(() => {
    rc.createUser({ username: 'ruth.s', email: 'Ruth@corp.example', name: 'Ruth S', verified: true });
  });

  test('off (default): the email belongs to another account → 403 email_taken, nothing created', async () => {
    const reply = await makeEndpoints(rc, keys).login({ assertion: await assertion('ruth') });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_taken' } });
    expect(rc.findUser({ username: 'ruth' })).toBeUndefined();
  });

  test('on: the account with that email is adopted (case-insensitive), and stays linked', async () => {
    const app = makeEndpoints(rc, keys, { [SettingId.MatchByVerifiedEmail]: true });
    const reply = await app.login({ assertion: await assertion('ruth') });
    expect(reply).toMatchObject({ status: 200, content: { username: 'ruth.s', created: false } });
    app.settings[SettingId.MatchByVerifiedEmail] = false;
    expect(await app.login({ assertion: await assertion('ruth') })).toMatchObject({ status: 200, content: { username: 'ruth.s' } });
  });

  test('on, but the assertion does not vouch for the email: no adoption', async () => {
    const reply = await makeEndpoints(rc, keys, { [SettingId.MatchByVerifiedEmail]: true }).login({ assertion: await assertion('ruth', { email_verified: false }) });
    expect(reply).toMatchObject({ status: 403, content: { reason: 'email_taken' } });
  });
});

describe('retries and half-made states', () => {
  test('concurrent first logins of one person create one user', async () => {
    const app = makeEndpoints(rc, keys);
    const replies = await Promise.all(Array.from({ length: 4 }, async () => app.login({ assertion: await assertion('nina', { email_verified: false }) })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(rc.users().filter((u) => u.username === 'nina')).toHaveLength(1);
    expect(new Set(replies.map((r) => (r.content as { userId: string }).userId)).size).toBe(1);
  });

  test('a create whose link was never written is adopted by the next attempt', async () => {
    class FailingOnce extends MemoryPersistence {
      armed = true;
      override async createWithAssociations(data: object, associations: Parameters<MemoryPersistence['createWithAssociations']>[1]): Promise<string> {
        if (this.armed && 'userId' in data) {
          this.armed = false;
          throw new Error('storage hiccup');
        }
        return super.createWithAssociations(data, associations);
      }
    }
    const app = makeEndpoints(rc, keys, {}, new FailingOnce());
    const first = await app.login({ assertion: await assertion('olga', { email_verified: false }) });
    expect(first.status).toBe(500);
    expect(rc.findUser({ username: 'olga' })).toBeDefined();
    const second = await app.login({ assertion: await assertion('olga', { email_verified: false }) });
    expect(second).toMatchObject({ status: 200, content: { username: 'olga', created: false } });
    expect(rc.users().filter((u) => u.username === 'olga')).toHaveLength(1);
  });

  test('the link follows the person: renamed in Rocket.Chat, still the same user, nobody new', async () => {
    const app = makeEndpoints(rc, keys);
    const first = await app.login({ assertion: await assertion('pete') });
    const userId = (first.content as { userId: string }).userId;
    rc.findUser({ userId })!.username = 'peter';
    const second = await app.login({ assertion: await assertion('pete') });
    expect(second).toMatchObject({ status: 200, content: { userId, username: 'peter', created: false } });
    expect(rc.findUser({ username: 'pete' })).toBeUndefined();
  });
});
