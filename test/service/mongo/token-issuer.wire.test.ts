import type { Document } from 'bson';
import { OPERATION_TIMEOUT_MS } from '../../../service/mongo';
import { createMongoTokenIssuer, METEOR_ID_ALPHABET } from '../../../service/modes/mongo/issuer';
import type { SiteUser } from '../../../service/identity/types';
import { TokenError, type TokenIssuer } from '../../../service/modes/issuer';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

const SITE = 'https://auth.example.com';
const alice: SiteUser = { sub: 'site-1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell' };
const TOKEN = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url
/** What the issuer writes on the accounts it creates or adopts for alice. */
const ALICE_LINK = { issuer: SITE, sub: 'site-1' };
const LINK_FILTER = { 'services.iframeBridge.issuer': SITE, 'services.iframeBridge.sub': 'site-1' };
const PROJECTION = { _id: 1, username: 1, active: 1, type: 1, emails: 1, 'services.iframeBridge': 1 };

/** Rocket.Chat's own unique indexes on `users` (username, emails.address). */
function rocketChatIndexes(h: WireHarness): void {
  h.fake.indexes.set('users', [
    { name: 'username_1', key: { username: 1 }, unique: true, caseInsensitive: false },
    { name: 'emails.address_1', key: { 'emails.address': 1 }, unique: true, caseInsensitive: false },
  ]);
}

function existing(overrides: Document = {}): Document {
  return {
    _id: 'rcUser00000000001',
    username: 'alice',
    emails: [{ address: 'alice@example.com', verified: true }],
    active: true,
    type: 'user',
    roles: ['user'],
    services: { resume: { loginTokens: [{ hashedToken: 'h1', when: new Date() }, { hashedToken: 'pat', type: 'personalAccessToken', createdAt: new Date() }] } },
    ...overrides,
  };
}

/** alice's account as an earlier login of hers left it: linked to her site identity. */
function linked(overrides: Document = {}): Document {
  return existing({ services: { ...existing().services, iframeBridge: ALICE_LINK }, ...overrides });
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenError) return `${error.kind}:${error.reason}`;
    throw error;
  }
  return 'no error';
}

describe(`MongoDB token issuer — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let issuer: TokenIssuer;

  beforeEach(async () => {
    h = await startWireHarness();
    rocketChatIndexes(h);
    issuer = createMongoTokenIssuer({ db: h.db, autoCreate: true, defaultRoles: ['user'], siteIssuer: SITE });
  });
  afterEach(() => h.close());

  test('finds the linked user by exact username in one read and $sets a fresh token and _updatedAt', async () => {
    h.fake.docs('users').push(linked());
    const { token } = (await issuer.issue(alice)) as { token: string };
    expect(token).toMatch(TOKEN);

    const finds = h.sent('users', 'find');
    expect(finds).toHaveLength(1);
    expect(finds[0].db).toBe('rocketchat');
    expect(finds[0].body.filter).toEqual({ username: 'alice' });
    expect(finds[0].body.projection).toEqual(PROJECTION);
    const [update] = h.updates('users');
    expect(update.q).toEqual({ _id: 'rcUser00000000001', active: true });
    expect(Object.keys(update.u)).toEqual(['$set']);
    expect(Object.keys(update.u.$set).sort()).toEqual(['_updatedAt', 'services.iframe.token']);
    expect(update.u.$set['services.iframe.token']).toBe(token);
    expect(update.u.$set._updatedAt).toBeInstanceOf(Date);
    expect(h.fake.docs('users')[0].services.iframe.token).toBe(token);
    expect(h.sent('users', 'insert')).toHaveLength(0);
  });

  test('a fresh token on every issue: the old one stops working', async () => {
    h.fake.docs('users').push(linked());
    const first = (await issuer.issue(alice)) as { token: string };
    const second = (await issuer.issue(alice)) as { token: string };
    expect(second.token).not.toBe(first.token);
    expect(h.fake.docs('users')[0].services.iframe.token).toBe(second.token);
  });

  test('never matches by email alone, even verified on both sides: the create meets the address and is refused', async () => {
    h.fake.docs('users').push(existing({ username: 'alice.l' }));
    const before = structuredClone(h.fake.docs('users'));
    expect(await reason(issuer.issue(alice))).toBe('denied:email_taken');
    expect(h.sent('users', 'find').map((c) => c.body.filter)).not.toContainEqual(expect.objectContaining({ emails: expect.anything() }));
    expect(h.updates('users')).toHaveLength(0);
    expect(h.fake.docs('users')).toEqual(before);
  });

  test('never matches by email when the site has not verified it (account takeover)', async () => {
    h.fake.docs('users').push(existing({ username: 'alice.l' }));
    expect(await reason(issuer.issue({ ...alice, email_verified: false }))).toBe('denied:email_taken');
    expect(h.sent('users', 'find').map((c) => c.body.filter)).not.toContainEqual(expect.objectContaining({ emails: expect.anything() }));
    expect(h.updates('users')).toHaveLength(0);
  });

  test('creates a missing user with every field Rocket.Chat writes, typed right', async () => {
    const before = Date.now();
    const { token } = (await issuer.issue(alice)) as { token: string };
    const inserts = h.sent('users', 'insert');
    expect(inserts).toHaveLength(1);
    const [doc] = inserts[0].body.documents as Document[];
    expect(Object.keys(doc).sort()).toEqual(
      ['_id', '_updatedAt', 'active', 'createdAt', 'emails', 'name', 'roles', 'services', 'settings', 'status', 'statusConnection', 'statusDefault', 'type', 'username'].sort(),
    );
    expect(doc._id).toMatch(new RegExp(`^[${METEOR_ID_ALPHABET}]{17}$`));
    expect(doc.createdAt).toBeInstanceOf(Date);
    expect(doc._updatedAt).toBeInstanceOf(Date);
    expect(doc.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(doc).toMatchObject({
      username: 'alice',
      emails: [{ address: 'alice@example.com', verified: true }],
      name: 'Alice Liddell',
      active: true,
      roles: ['user'],
      type: 'user',
      status: 'offline',
      statusDefault: 'online',
      statusConnection: 'offline',
      settings: {},
      // Born linked to the site user: nobody else's login can adopt it.
      services: { iframeBridge: ALICE_LINK },
    });
    // Exact name, any case (no lookalike beside an "Alice"), then the link: all before the insert.
    expect(h.sent('users', 'find').map((c) => c.body.filter)).toEqual([{ username: 'alice' }, { username: { $regex: '^alice$', $options: 'i' } }, LINK_FILTER]);
    // Then the token, on the new _id.
    expect(h.updates('users')[0].q).toEqual({ _id: doc._id, active: true });
    expect(h.fake.docs('users')[0].services.iframe.token).toBe(token);
  });

  test('roles come from defaultRoles, never from the site', async () => {
    issuer = createMongoTokenIssuer({ db: h.db, autoCreate: true, defaultRoles: ['user', 'livechat-agent'], siteIssuer: SITE });
    await issuer.issue({ ...alice, roles: ['admin'] });
    expect((h.sent('users', 'insert')[0].body.documents as Document[])[0].roles).toEqual(['user', 'livechat-agent']);
  });

  test('auto-create off: a missing user is denied and nothing is written', async () => {
    issuer = createMongoTokenIssuer({ db: h.db, autoCreate: false, defaultRoles: ['user'], siteIssuer: SITE });
    expect(await reason(issuer.issue(alice))).toBe('denied:user_not_found');
    expect(h.sent('users', 'insert')).toHaveLength(0);
    expect(h.sent('users', 'update')).toHaveLength(0);
  });

  test('a deactivated user is denied and gets no token', async () => {
    h.fake.docs('users').push(existing({ active: false }));
    expect(await reason(issuer.issue(alice))).toBe('denied:user_deactivated');
    expect(h.sent('users', 'update')).toHaveLength(0);
  });

  test('bots and apps in the users collection are never logged in', async () => {
    h.fake.docs('users').push(existing({ type: 'bot' }));
    expect(await reason(issuer.issue(alice))).toBe('denied:not_a_user');
  });

  test('a username differing only in case is refused instead of creating a lookalike', async () => {
    h.fake.docs('users').push(existing({ username: 'Alice', emails: [{ address: 'other@example.com', verified: true }] }));
    expect(await reason(issuer.issue(alice))).toBe('denied:username_taken');
    expect(h.sent('users', 'insert')).toHaveLength(0);
  });

  test('regex metacharacters in the username are escaped in the lookalike check', async () => {
    await issuer.issue({ ...alice, username: 'a.l-ice' });
    expect(h.sent('users', 'find').map((c) => c.body.filter)).toContainEqual({ username: { $regex: '^a\\.l\\-ice$', $options: 'i' } });
  });

  test('race: two first logins of the same new user at once yield exactly one account (E11000 → read again)', async () => {
    // Hold the first two username lookups until both arrived, so both logins see "no such user".
    let waiting: (() => void)[] = [];
    h.server.handle(async (command) => {
      if (command.name === 'find' && typeof command.body.filter?.username === 'string' && waiting !== undefined) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 2) {
            waiting.forEach((release) => release());
            waiting = undefined as unknown as (() => void)[];
          }
        });
      }
      return h.fake.handler(command);
    });
    const [a, b] = (await Promise.all([issuer.issue(alice), issuer.issue(alice)])) as { token: string }[];
    expect(a.token).toMatch(TOKEN);
    expect(b.token).toMatch(TOKEN);
    const inserts = h.sent('users', 'insert');
    expect(inserts).toHaveLength(2);
    expect(h.fake.docs('users')).toHaveLength(1);
    const id = h.fake.docs('users')[0]._id;
    // Both tokens were written to the one account.
    expect(h.updates('users').map((u) => u.q)).toEqual([
      { _id: id, active: true },
      { _id: id, active: true },
    ]);
  });

  test('race: the account a concurrent login of the same user creates appears between the lookups → it is used, not refused', async () => {
    let first = true;
    h.server.handle((command) => {
      const reply = h.fake.handler(command);
      if (command.name === 'find' && first) {
        first = false;
        h.fake.docs('users').push(existing({ services: { iframeBridge: ALICE_LINK } }));
      }
      return reply;
    });
    // Unverified email: not the same person by username and email, so only the link makes the account hers.
    await issuer.issue({ ...alice, email_verified: false });
    expect(h.sent('users', 'find').map((c) => c.body.filter)).toEqual([{ username: 'alice' }, { username: { $regex: '^alice$', $options: 'i' } }]);
    expect(h.sent('users', 'insert')).toHaveLength(0);
    expect(h.updates('users')[0].q).toEqual({ _id: 'rcUser00000000001', active: true });
  });

  test('an email held by another account (E11000 on emails.address) is denied, not retried forever', async () => {
    h.fake.docs('users').push(existing({ username: 'someone', emails: [{ address: 'alice@example.com', verified: false }] }));
    expect(await reason(issuer.issue(alice))).toBe('denied:email_taken');
  });

  test('revoke unsets services.iframe.token and pulls session tokens, keeping personal access tokens', async () => {
    h.fake.docs('users').push(existing({ services: { iframe: { token: 'old' }, resume: existing().services.resume, iframeBridge: ALICE_LINK } }));
    await issuer.revoke(alice);
    const [update] = h.updates('users');
    expect(update.q).toEqual({ _id: 'rcUser00000000001' });
    expect(update.u.$unset).toEqual({ 'services.iframe.token': 1 });
    expect(update.u.$pull).toEqual({ 'services.resume.loginTokens': { when: { $exists: true } } });
    expect(update.u.$set._updatedAt).toBeInstanceOf(Date);
    const stored = h.fake.docs('users')[0];
    expect(stored.services.iframe).toEqual({});
    expect(stored.services.resume.loginTokens).toEqual([expect.objectContaining({ hashedToken: 'pat' })]);
    expect(stored.services.iframeBridge).toEqual(ALICE_LINK);
  });

  test('revoke of an unknown user writes nothing', async () => {
    await issuer.revoke(alice);
    expect(h.sent('users', 'update')).toHaveLength(0);
  });

  test('a connection dropped mid-command is TokenError unavailable, not a crash', async () => {
    h.server.handle((command) => {
      if (command.name === 'find') h.server.dropConnections();
      return h.fake.handler(command);
    });
    expect(await reason(issuer.issue(alice))).toBe('unavailable:mongodb_unreachable');
    expect(await reason(issuer.revoke(alice))).toBe('unavailable:mongodb_unreachable');
  });

  test('a server that stops answering (connections open) is unavailable:mongodb_timeout within the operation bound; ready() says so', async () => {
    h.fake.docs('users').push(existing());
    await issuer.issue(alice);
    h.server.pause();
    try {
      const started = Date.now();
      const [issued, revoked, ready] = await Promise.all([reason(issuer.issue(alice)), reason(issuer.revoke(alice)), issuer.ready().catch((error: Error) => error.message)]);
      expect({ issued, revoked, ready }).toEqual({ issued: 'unavailable:mongodb_timeout', revoked: 'unavailable:mongodb_timeout', ready: `MongoDB did not answer within ${OPERATION_TIMEOUT_MS} ms` });
      expect(Date.now() - started).toBeGreaterThanOrEqual(OPERATION_TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeLessThan(OPERATION_TIMEOUT_MS + 5000);
    } finally {
      h.server.resume();
    }
    // Nothing stays stuck: the same issuer works once the server answers.
    expect((await issuer.issue(alice)) as { token: string }).toEqual({ token: expect.stringMatching(TOKEN) });
  }, 30000);

  test('a server error the driver reports is unavailable, with no detail leaked', async () => {
    h.server.handle(() => ({ ok: 0, code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on rocketchat' }));
    expect(await reason(issuer.issue(alice))).toBe('unavailable:mongodb_error');
  });

  test('ready() pings; a stopped server is unavailable within the selection timeout', async () => {
    expect(await issuer.ready()).toBe(true);
    await h.server.close();
    await expect(issuer.ready()).rejects.toThrow(/^MongoDB is unreachable \(Mongo\w+Error\)$/);
    expect(await reason(issuer.issue(alice))).toBe('unavailable:mongodb_unreachable');
  }, 15000);
});

/**
 * Who is who (the App's rules, app/lib/provisioning.ts): the linked account; else, for an account
 * never linked, the holder of the username with the site-vouched email verified on it. A username
 * is never proof of identity on its own — the security review's takeover of `admin`.
 */
describe(`MongoDB token issuer: an account is someone's — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let issuer: TokenIssuer;
  const mallory = (overrides: Partial<SiteUser> = {}): SiteUser => ({ sub: 'site-666', username: 'bob', email: 'mallory@evil.example', email_verified: true, name: 'Mallory', ...overrides });
  const bob = (): Document =>
    existing({ _id: 'rcUserBob00000001', username: 'bob', emails: [{ address: 'bob@corp.example', verified: true }], services: { resume: { loginTokens: [{ hashedToken: 'bob-session', when: new Date() }] } } });
  const admin = (): Document =>
    existing({
      _id: 'rcAdmin0000000001',
      username: 'admin',
      emails: [{ address: 'admin@corp.example', verified: true }],
      roles: ['admin', 'user'],
      services: { password: { bcrypt: '$2b$10$x' }, resume: { loginTokens: [{ hashedToken: 'admin-session', when: new Date() }] } },
    });
  const doc = (id: string): Document | undefined => h.fake.docs('users').find((d) => d._id === id);

  beforeEach(async () => {
    h = await startWireHarness();
    rocketChatIndexes(h);
    issuer = createMongoTokenIssuer({ db: h.db, autoCreate: true, defaultRoles: ['user'], siteIssuer: SITE });
  });
  afterEach(() => h.close());

  /** Nothing written, and every document exactly as before. */
  async function refusedUntouched(user: SiteUser, expected: string): Promise<void> {
    const before = structuredClone(h.fake.docs('users'));
    expect(await reason(issuer.issue(user))).toBe(expected);
    expect(h.sent('users', 'update')).toHaveLength(0);
    expect(h.fake.docs('users')).toEqual(before);
  }

  test.each([
    ['another email', mallory()],
    ["the victim's email, not vouched for by the site", mallory({ email: 'bob@corp.example', email_verified: false })],
    ['the same name in another case', mallory({ username: 'BOB' })],
  ])('a site user named like an unlinked Rocket.Chat user, with %s, is refused username_taken; the victim is untouched', async (_, user) => {
    h.fake.docs('users').push(bob());
    await refusedUntouched(user, 'denied:username_taken');
    expect(h.sent('users', 'insert')).toHaveLength(0);
  });

  test("the victim's address is not verified in Rocket.Chat: the site vouching for it is not enough", async () => {
    h.fake.docs('users').push(bob());
    h.fake.docs('users')[0].emails = [{ address: 'bob@corp.example', verified: false }];
    await refusedUntouched(mallory({ email: 'bob@corp.example' }), 'denied:username_taken');
  });

  test('a site user called admin is never logged in as the Rocket.Chat admin (any case; nor by the admin email under a new name)', async () => {
    h.fake.docs('users').push(admin());
    await refusedUntouched(mallory({ username: 'admin' }), 'denied:username_taken');
    await refusedUntouched(mallory({ username: 'Admin' }), 'denied:username_taken');
    // Email alone never adopts: the new account's address collides with the admin's, so nothing is made.
    await refusedUntouched(mallory({ username: 'mallory', email: 'admin@corp.example' }), 'denied:email_taken');
    expect(h.fake.docs('users')).toHaveLength(1);
  });

  test('the same person (username + verified email on both sides) is adopted and linked; later logins find her by the link, even renamed on the site', async () => {
    h.fake.docs('users').push(existing());
    const first = (await issuer.issue(alice)) as { token: string };
    expect(h.fake.docs('users')).toHaveLength(1);
    expect(h.fake.docs('users')[0].services).toMatchObject({ iframe: { token: first.token }, iframeBridge: ALICE_LINK });
    // The adoption's write is conditional on nobody having linked the account meanwhile.
    expect(h.updates('users')[0].q).toEqual({ _id: 'rcUser00000000001', active: true, 'services.iframeBridge': { $exists: false } });

    // Renamed on the site (and her email no longer verified there): the link alone finds her account.
    const renamed = { ...alice, username: 'alice.liddell', email_verified: false };
    const second = (await issuer.issue(renamed)) as { token: string };
    expect(h.sent('users', 'insert')).toHaveLength(0);
    expect(h.fake.docs('users')).toHaveLength(1);
    expect(h.fake.docs('users')[0]).toMatchObject({ _id: 'rcUser00000000001', username: 'alice', services: { iframe: { token: second.token }, iframeBridge: ALICE_LINK } });
    expect(h.sent('users', 'find').map((c) => c.body.filter).slice(-3)).toEqual([
      { username: 'alice.liddell' },
      { username: { $regex: '^alice\\.liddell$', $options: 'i' } },
      LINK_FILTER,
    ]);
  });

  test("a linked account is nobody else's: another site user, or the same sub from another issuer, with her username and email is refused", async () => {
    h.fake.docs('users').push(linked());
    await refusedUntouched({ ...alice, sub: 'site-2' }, 'denied:username_taken');
    const otherSite = createMongoTokenIssuer({ db: h.db, autoCreate: true, defaultRoles: ['user'], siteIssuer: 'https://other-site.example' });
    const before = structuredClone(h.fake.docs('users'));
    expect(await reason(otherSite.issue(alice))).toBe('denied:username_taken');
    expect(h.fake.docs('users')).toEqual(before);
  });

  test('revoke touches only the linked account: not the holder of the username, not an unlinked same-person account', async () => {
    // alice's linked account is "alice2"; "bob" and "admin" are other people; "carol" is unlinked.
    h.fake.docs('users').push(
      linked({ _id: 'rcUserAlice000001', username: 'alice2', emails: [{ address: 'alice2@example.com', verified: true }] }),
      bob(),
      admin(),
      existing({ _id: 'rcUserCarol000001', username: 'carol', emails: [{ address: 'carol@example.com', verified: true }] }),
    );
    const others = () => structuredClone(h.fake.docs('users').filter((d) => d._id !== 'rcUserAlice000001'));
    const before = others();

    await issuer.revoke(mallory({ username: 'admin' }));
    await issuer.revoke(mallory());
    await issuer.revoke({ sub: 'site-carol', username: 'carol', email: 'carol@example.com', email_verified: true, name: 'Carol' });
    expect(h.sent('users', 'update')).toHaveLength(0);

    // alice, now called "bob" on the site: her linked account, never bob's.
    await issuer.revoke({ ...alice, username: 'bob' });
    expect(h.updates('users').map((u) => u.q)).toEqual([{ _id: 'rcUserAlice000001' }]);
    expect(doc('rcUserAlice000001')?.services.resume.loginTokens).toEqual([expect.objectContaining({ hashedToken: 'pat' })]);
    expect(others()).toEqual(before);
  });
});

describe(`MongoDB token issuer: MONGO_MATCH_BY_VERIFIED_EMAIL, the App's match_by_verified_email — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let issuer: TokenIssuer;

  beforeEach(async () => {
    h = await startWireHarness();
    rocketChatIndexes(h);
    issuer = createMongoTokenIssuer({ db: h.db, autoCreate: true, defaultRoles: ['user'], siteIssuer: SITE, matchByVerifiedEmail: true });
  });
  afterEach(() => h.close());

  test('an unlinked account holding the address verified on both sides is adopted under its own username, and linked in the same write', async () => {
    h.fake.docs('users').push(existing({ username: 'alice.l' }));
    const { token } = (await issuer.issue(alice)) as { token: string };
    expect(h.sent('users', 'find').map((c) => c.body.filter)).toContainEqual({ 'emails.address': { $in: ['alice@example.com'] } });
    const [update] = h.updates('users');
    expect(update.q).toEqual({ _id: 'rcUser00000000001', active: true, 'services.iframeBridge': { $exists: false } });
    expect(h.fake.docs('users')[0].services).toMatchObject({ iframe: { token }, iframeBridge: ALICE_LINK });
    expect(h.sent('users', 'insert')).toHaveLength(0);
  });

  test.each([
    ['Rocket.Chat has not verified the address (a self-registered account)', { emails: [{ address: 'alice@example.com', verified: false }] }, alice],
    ['the site does not vouch for it', {}, { ...alice, email_verified: false }],
    ['the account is linked to another site user', { services: { iframeBridge: { issuer: SITE, sub: 'site-666' } } }, alice],
  ])('refused when %s: email_taken, nothing written on the account', async (_, account, user) => {
    h.fake.docs('users').push(existing({ username: 'alice.l', ...account }));
    const before = structuredClone(h.fake.docs('users'));
    expect(await reason(issuer.issue(user))).toBe('denied:email_taken');
    expect(h.updates('users')).toHaveLength(0);
    expect(h.fake.docs('users')).toEqual(before);
  });
});
