import { createMongoTokenIssuer, METEOR_ID_ALPHABET, type RocketChatUser } from '../../service/modes/mongo/issuer';
import type { SiteUser } from '../../service/identity/types';
import { TokenError } from '../../service/modes/issuer';
import { liveName, liveTest, rocketChatUserIndexes, scratchDatabase, type Scratch } from './live';

const SITE = 'https://auth.example.com';
const alice: SiteUser = { sub: 'site-1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell' };
const ALICE_LINK = { issuer: SITE, sub: 'site-1' };

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof TokenError) return `${error.kind}:${error.reason}`;
    throw error;
  }
}

describe(liveName('MongoDB token issuer'), () => {
  let scratch: Scratch;

  beforeEach(async () => {
    if (!process.env.MONGODB_URL) return;
    scratch = await scratchDatabase();
    await rocketChatUserIndexes(scratch.db);
  });
  afterEach(async () => {
    if (scratch) await scratch.drop();
  });

  const users = () => scratch.db.collection<RocketChatUser>('users');
  const issuer = (autoCreate = true) => createMongoTokenIssuer({ db: scratch.db, autoCreate, defaultRoles: ['user'], siteIssuer: SITE });

  liveTest('creates a new user with every Rocket.Chat field and stores the token', async () => {
    const { token } = (await issuer().issue(alice)) as { token: string };
    const doc = await users().findOne({ username: 'alice' });
    expect(doc).not.toBeNull();
    expect(doc?._id).toMatch(new RegExp(`^[${METEOR_ID_ALPHABET}]{17}$`));
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
      services: { iframe: { token }, iframeBridge: ALICE_LINK },
    });
    expect(doc?.createdAt).toBeInstanceOf(Date);
    expect(doc?._updatedAt).toBeInstanceOf(Date);
  });

  liveTest('adopts and links the same person (username + verified email); a fresh token on every issue; found by the link after a rename', async () => {
    await users().insertOne({ _id: 'existing000000001', username: 'alice', emails: [{ address: 'alice@example.com', verified: true }], active: true, type: 'user', roles: ['user'] } as RocketChatUser);
    const first = (await issuer().issue(alice)) as { token: string };
    const second = (await issuer().issue({ ...alice, username: 'alice.liddell' })) as { token: string };
    expect(second.token).not.toBe(first.token);
    expect((await users().findOne({ _id: 'existing000000001' }))?.services).toEqual({ iframe: { token: second.token }, iframeBridge: ALICE_LINK });
    expect(await users().countDocuments()).toBe(1);
  });

  liveTest('never by username or email alone: the admin is refused and untouched, and revoke leaves them alone', async () => {
    const admin = { _id: 'existingAdmin0001', username: 'admin', emails: [{ address: 'admin@example.com', verified: true }], active: true, type: 'user', roles: ['admin', 'user'], services: { resume: { loginTokens: [{ hashedToken: 'h', when: new Date() }] } } } as unknown as RocketChatUser;
    await users().insertOne(admin);
    const mallory: SiteUser = { sub: 'site-666', username: 'admin', email: 'mallory@evil.example', email_verified: true, name: 'Mallory' };
    expect(await reason(issuer().issue(mallory))).toBe('denied:username_taken');
    expect(await reason(issuer().issue({ ...mallory, username: 'mallory', email: 'admin@example.com' }))).toBe('denied:email_taken');
    await issuer().revoke(mallory);
    expect(await users().find().toArray()).toEqual([admin]);
  });

  liveTest('race: 10 simultaneous first logins make exactly one account (unique index, E11000, read again)', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => issuer().issue(alice)));
    expect(results).toHaveLength(10);
    expect(await users().countDocuments({ username: 'alice' })).toBe(1);
  });

  liveTest('deactivated, missing with auto-create off, lookalike username, taken email: denied', async () => {
    expect(await reason(issuer(false).issue(alice))).toBe('denied:user_not_found');
    await users().insertOne({ _id: 'existing000000002', username: 'Alice', emails: [{ address: 'x@example.com', verified: true }], active: true, type: 'user', roles: ['user'] } as RocketChatUser);
    expect(await reason(issuer().issue(alice))).toBe('denied:username_taken');
    await users().insertOne({ _id: 'existing000000003', username: 'bob', emails: [{ address: 'bob@example.com', verified: true }], active: false, type: 'user', roles: ['user'] } as RocketChatUser);
    expect(await reason(issuer().issue({ ...alice, username: 'bobby', email: 'bob@example.com' }))).toBe('denied:email_taken');
    expect(await reason(issuer().issue({ ...alice, username: 'bob', email: 'bob@example.com' }))).toBe('denied:user_deactivated');
  });

  liveTest('revoke unsets the iframe token and pulls session tokens, keeping personal access tokens', async () => {
    await issuer().issue(alice);
    const pat = { hashedToken: 'pat', type: 'personalAccessToken', createdAt: new Date(), lastTokenPart: 'abcd', name: 'ci' };
    await users().updateOne({ username: 'alice' }, { $set: { 'services.resume.loginTokens': [{ hashedToken: 'h', when: new Date() }, pat] } });
    await issuer().revoke(alice);
    const doc = await users().findOne({ username: 'alice' });
    expect(doc?.services).toEqual({ iframe: {}, resume: { loginTokens: [pat] }, iframeBridge: ALICE_LINK });
  });

  liveTest('ready() pings the real server', async () => {
    expect(await issuer().ready()).toBe(true);
  });
});
