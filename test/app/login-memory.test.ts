/**
 * What a login keeps in App memory to save engine round trips, and that each
 * shortcut keeps the security property it stands beside: single-use jti across processes,
 * links that never outlive what persistence and Rocket.Chat say, no lookup for a refusal.
 */
import type { AssertionClaims } from '../../app/contract/claims';
import type { ProvisioningConfig } from '../../app/lib/config';
import { Provisioner } from '../../app/lib/provisioning';
import type { UserDirectory } from '../../app/lib/rocketchat/directory';
import type { RocketChatUser, UsersApi } from '../../app/lib/rocketchat/users';
import { IdentityLinks } from '../../app/lib/store/identityLinks';
import { LinkCache } from '../../app/lib/store/linkCache';
import { association, hashKey, type Storage } from '../../app/lib/store/records';
import { ReplayCache } from '../../app/lib/store/replayCache';
import { SettingId } from '../../app/settings';
import { MemoryPersistence } from '../support/app/accessors';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { claimsFor, makeKeys, nowSeconds, signWithJose, type TestKeys } from './fixtures';
import { makeEndpoints } from './harness';

/** MemoryPersistence that counts the calls a claim makes, in order. */
function countingStorage() {
  const persistence = new MemoryPersistence();
  const calls: string[] = [];
  const read = persistence.readByAssociation.bind(persistence);
  const create = persistence.createWithAssociations.bind(persistence);
  persistence.readByAssociation = async (a) => (calls.push(`read ${a.getID().split(':')[1]}`), read(a));
  persistence.createWithAssociations = async (d, a) => (calls.push('create'), create(d, a));
  return { persistence, calls, storage: { read: persistence, write: persistence } as Storage };
}

describe('replay cache', () => {
  test('a first use is one write and one read; nothing is read before the write', async () => {
    const { storage, calls } = countingStorage();
    const cache = new ReplayCache();
    const now = nowSeconds();
    expect(await cache.claim(storage, 'iss', 'jti-1', now + 60, now)).toBe(true);
    await cache.idle();
    // The prune pass (first claim of this process) reads every jti after the claim answered.
    expect(calls).toEqual(['create', 'read jti', 'read jti']);
    calls.length = 0;
    expect(await cache.claim(storage, 'iss', 'jti-2', now + 60, now)).toBe(true);
    expect(calls).toEqual(['create', 'read jti']);
  });

  test('a replay to the same process is refused without writing anything', async () => {
    const { storage, persistence } = countingStorage();
    const cache = new ReplayCache();
    const now = nowSeconds();
    expect(await cache.claim(storage, 'iss', 'jti-1', now + 60, now)).toBe(true);
    const size = persistence.records.size;
    expect(await cache.claim(storage, 'iss', 'jti-1', now + 60, now)).toBe(false);
    expect(persistence.records.size).toBe(size);
  });

  test('concurrent uses of one jti in different App processes (shared persistence): at most one wins', async () => {
    const { storage } = countingStorage();
    const now = nowSeconds();
    for (let round = 0; round < 20; round += 1) {
      const processes = Array.from({ length: 4 }, () => new ReplayCache());
      const results = await Promise.all(processes.map((cache) => cache.claim(storage, 'iss', `race-${round}`, now + 60, now)));
      expect(results.filter(Boolean).length).toBeLessThanOrEqual(1);
      // And a later use in any process, fresh or not, is refused.
      expect(await new ReplayCache().claim(storage, 'iss', `race-${round}`, now + 60, now)).toBe(false);
      expect(await processes[0]!.claim(storage, 'iss', `race-${round}`, now + 60, now)).toBe(false);
    }
  });

  test('a use in another process before this one is refused here (persistence decides)', async () => {
    const { storage } = countingStorage();
    const now = nowSeconds();
    expect(await new ReplayCache().claim(storage, 'iss', 'jti-x', now + 60, now)).toBe(true);
    expect(await new ReplayCache().claim(storage, 'iss', 'jti-x', now + 60, now)).toBe(false);
  });

  test('a failed write spends nothing: the same assertion may be retried', async () => {
    const { storage, persistence } = countingStorage();
    const cache = new ReplayCache();
    const now = nowSeconds();
    const create = persistence.createWithAssociations;
    persistence.createWithAssociations = async () => {
      throw new Error('store down');
    };
    await expect(cache.claim(storage, 'iss', 'jti-1', now + 60, now)).rejects.toThrow('store down');
    persistence.createWithAssociations = create;
    expect(await cache.claim(storage, 'iss', 'jti-1', now + 60, now)).toBe(true);
  });

  test('pruning runs after the claim answered; a failing pass fails no login and is retried a minute later', async () => {
    const { storage, persistence } = countingStorage();
    const cache = new ReplayCache();
    const now = nowSeconds();
    const remove = persistence.removeByAssociations;
    expect(await cache.claim(storage, 'iss', 'old', now + 10, now)).toBe(true);
    await cache.idle();
    persistence.removeByAssociations = async () => {
      throw new Error('store down');
    };
    expect(await cache.claim(storage, 'iss', 'new-1', now + 200, now + 120)).toBe(true);
    await cache.idle();
    expect(persistence.records.size).toBe(2);
    persistence.removeByAssociations = remove;
    expect(await cache.claim(storage, 'iss', 'new-2', now + 200, now + 150)).toBe(true); // within the minute: no pass
    await cache.idle();
    expect(persistence.records.size).toBe(3);
    expect(await cache.claim(storage, 'iss', 'new-3', now + 300, now + 181)).toBe(true);
    await cache.idle();
    expect(persistence.records.size).toBe(3); // `old` pruned
  });
});

describe('link cache', () => {
  test('entries expire, and a user is linked to one site user at a time', () => {
    let clock = 0;
    const cache = new LinkCache(() => clock);
    cache.set('site-a', 'u1');
    expect(cache.get('site-a')).toBe('u1');
    cache.set('site-b', 'u1');
    expect(cache.get('site-a')).toBeUndefined();
    expect(cache.get('site-b')).toBe('u1');
    clock += 5 * 60_000;
    expect(cache.get('site-b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('bounded: the oldest entries go first', () => {
    const cache = new LinkCache();
    for (let i = 0; i < 10_050; i += 1) cache.set(`site-${i}`, `u${i}`);
    expect(cache.size).toBe(10_000);
    expect(cache.get('site-0')).toBeUndefined();
    expect(cache.get('site-10049')).toBe('u10049');
  });
});

describe('provisioning with links in memory', () => {
  const policy: ProvisioningConfig = {
    autoCreate: false,
    defaultRoles: ['user'],
    allowedEmailDomains: [],
    grantableRoles: [],
    syncProfile: false,
    usernameConflict: 'refuse',
    matchByVerifiedEmail: false,
    requireVerifiedEmail: false,
  };
  const claims = { iss: 'iss', aud: 'a', sub: 'site-alice', iat: 1, exp: 2, jti: 'j', username: 'alice', email: 'alice@corp.example', email_verified: true, name: 'Alice' } as AssertionClaims;
  const user = (id: string): RocketChatUser => ({ _id: id, username: 'alice', name: 'Alice', active: true, emails: [{ address: 'alice@corp.example', verified: true }] });

  function setup(known: RocketChatUser[]) {
    const { persistence, calls, storage } = countingStorage();
    const cache = new LinkCache();
    const asked: string[] = [];
    const directory = {
      byId: async (userId: string) => (asked.push(userId), known.find((u) => u._id === userId)),
      byUsername: async (username: string) => (asked.push(`name:${username}`), known.find((u) => u.username === username)),
    } as unknown as UserDirectory;
    const users = {
      info: async (by: { username: string }) => (asked.push(`rest:${by.username}`), known.find((u) => u.username.toLowerCase() === by.username.toLowerCase())),
    } as unknown as UsersApi;
    const links = new IdentityLinks(storage, 'iss', cache);
    return { persistence, calls, cache, asked, links, provisioner: new Provisioner(users, directory, links, policy) };
  }

  test('a returning user: the link comes from memory, the user reader is still asked every time', async () => {
    const { provisioner, links, calls, asked } = setup([user('u1')]);
    await links.link(claims.sub, 'u1');
    calls.length = 0;
    expect((await provisioner.provision(claims)).user._id).toBe('u1');
    expect((await provisioner.provision(claims)).user._id).toBe('u1');
    expect(calls).toEqual([]);
    expect(asked).toEqual(['u1', 'u1']);
  });

  test('a stale link in memory (re-linked elsewhere) is checked against persistence, not dropped', async () => {
    // Another email: only the link, not a name-and-email match, can find this user.
    const { provisioner, links, cache, persistence } = setup([{ ...user('u2'), emails: [{ address: 'alice@elsewhere.example', verified: true }] }]);
    await links.link(claims.sub, 'u2');
    cache.set(hashKey('iss', claims.sub), 'gone'); // what another instance's re-link leaves behind here
    expect((await provisioner.provision(claims)).user._id).toBe('u2');
    expect(await new IdentityLinks({ read: persistence, write: persistence }, 'iss').userIdOf(claims.sub)).toBe('u2');
  });

  test('a linked user deleted in Rocket.Chat: link gone from persistence and memory', async () => {
    const { provisioner, links, cache, persistence } = setup([]);
    await links.link(claims.sub, 'u1');
    await expect(provisioner.provision(claims)).rejects.toMatchObject({ reason: 'auto_create_off' });
    expect(cache.size).toBe(0);
    expect(await new IdentityLinks({ read: persistence, write: persistence }, 'iss').userIdOf(claims.sub)).toBeUndefined();
  });
});

describe('login through the endpoint', () => {
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

  test('a user deactivated after a login is refused at the next one, link cached or not', async () => {
    const alice = rc.createUser({ username: 'alice', email: 'alice@corp.example', verified: true });
    const app = makeEndpoints(rc, keys);
    expect((await app.login({ assertion: await assertion('alice') })).status).toBe(200);
    expect((await app.login({ assertion: await assertion('alice') })).status).toBe(200);
    rc.findUser({ userId: alice._id })!.active = false;
    const tokens = rc.resumeTokenCount(alice._id);
    expect(await app.login({ assertion: await assertion('alice') })).toMatchObject({ status: 403, content: { reason: 'user_deactivated' } });
    expect(rc.resumeTokenCount(alice._id)).toBe(tokens);
  });

  test('a policy refusal asks Rocket.Chat nothing, also while the jti is spent', async () => {
    rc.createUser({ username: 'alice', email: 'alice@corp.example', verified: true });
    const app = makeEndpoints(rc, keys, { [SettingId.AllowedEmailDomains]: 'other.example' });
    const before = rc.requests.length;
    expect(await app.login({ assertion: await assertion('alice') })).toMatchObject({ status: 403, content: { reason: 'email_domain_not_allowed' } });
    expect(rc.requests.length).toBe(before);
    expect(app.userReads).toEqual([]);
  });

  test('a returning user is read through the user reader by id: REST sees only users.createToken', async () => {
    const alice = rc.createUser({ username: 'alice', email: 'alice@corp.example', verified: true });
    const app = makeEndpoints(rc, keys);
    expect((await app.login({ assertion: await assertion('alice') })).status).toBe(200);
    const before = rc.requests.length;
    app.userReads.length = 0;
    expect(await app.login({ assertion: await assertion('alice') })).toMatchObject({ status: 200, content: { userId: alice._id, created: false } });
    expect(rc.requests.slice(before).map((request) => request.path)).toEqual(['/api/v1/users.createToken']);
    expect(app.userReads).toEqual([`id:${alice._id}`]);
  });

  test('a user reader that fails is a 502 (rocketchat_unavailable), and no token is minted', async () => {
    const alice = rc.createUser({ username: 'alice', email: 'alice@corp.example', verified: true });
    let failing = false;
    const app = makeEndpoints(rc, keys, {}, undefined, () => (failing ? new Error('Users.findOneById: connection lost') : undefined));
    expect((await app.login({ assertion: await assertion('alice') })).status).toBe(200);
    failing = true;
    const tokens = rc.resumeTokenCount(alice._id);
    expect(await app.login({ assertion: await assertion('alice') })).toEqual(expect.objectContaining({ status: 502, content: { error: 'rocketchat_unavailable' } }));
    expect(rc.resumeTokenCount(alice._id)).toBe(tokens);
    expect(app.logger.lines.join('\n')).toMatch(/user reader getById failed: Users.findOneById: connection lost/);
    failing = false;
    expect((await app.login({ assertion: await assertion('alice') })).status).toBe(200); // the link survived the failure
  });

  test('an unknown REST URL (rc_rest_url empty, Site_Url unreadable) is a 503 that spends nothing, even for a forged assertion', async () => {
    const app = makeEndpoints(undefined, keys, { [SettingId.RcRestUrl]: '', [SettingId.RcAdminUserId]: 'admin-id', [SettingId.RcAdminToken]: 'admin-token' });
    const token = await assertion('alice');
    expect(await app.login({ assertion: token })).toMatchObject({ status: 503, content: { error: 'not_configured', missing: ['rc_rest_url'] } });
    expect(await app.login({ assertion: token })).toMatchObject({ status: 503 }); // not "replayed": the jti was never spent
    expect(await app.persistence.readByAssociation(association('jti', 'all'))).toEqual([]);
    expect(await app.login({ assertion: `${token.slice(0, -4)}AAAA` })).toMatchObject({ status: 503, content: { error: 'not_configured' } });
  });

  test('a replay is refused as a replay even when Rocket.Chat is down', async () => {
    rc.createUser({ username: 'alice', email: 'alice@corp.example', verified: true });
    const app = makeEndpoints(rc, keys);
    const token = await assertion('alice');
    expect((await app.login({ assertion: token })).status).toBe(200);
    await rc.close();
    expect(await app.login({ assertion: token })).toMatchObject({ status: 401, content: { reason: 'replayed' } });
    rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
  });
});
