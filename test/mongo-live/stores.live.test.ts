import { connectMongo } from '../../service/mongo';
import { createMongoRevocationList, REVOKED_COLLECTION } from '../../service/sessions/mongo-revocation';
import { createRevocationMirror, MIRROR_STALE_AFTER_MS } from '../../service/sessions/revocation-mirror';
import { createMongoUserStore, USERS_COLLECTION, UserExistsError } from '../../service/users/mongo-store';
import type { LocalUser } from '../../service/users/types';
import { liveName, liveTest, scratchDatabase, type Scratch } from './live';

const user: LocalUser = {
  sub: 'u-1',
  username: 'Alice',
  email: 'Alice@Example.com',
  email_verified: true,
  name: 'Alice',
  passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe(liveName('MongoDB local user store and session revocation list'), () => {
  let scratch: Scratch;

  beforeEach(async () => {
    if (process.env.MONGODB_URL) scratch = await scratchDatabase();
  });
  afterEach(async () => {
    if (scratch) await scratch.drop();
  });

  liveTest('user store: case-insensitive unique indexes, find, duplicates, update, list, remove', async () => {
    const store = createMongoUserStore(scratch.db);
    await store.add(user);
    expect(await store.find('alice')).toEqual(user);
    expect(await store.find('ALICE@example.com')).toEqual(user);
    await expect(store.add({ ...user, sub: 'u-2', email: 'other@example.com', username: 'aLiCe' })).rejects.toBeInstanceOf(UserExistsError);
    await expect(store.add({ ...user, sub: 'u-3', username: 'bob', email: 'alice@EXAMPLE.com' })).rejects.toBeInstanceOf(UserExistsError);
    expect(await store.update('alice', { disabled: true })).toBe(true);
    expect((await store.find('Alice'))?.disabled).toBe(true);
    await store.add({ ...user, sub: 'u-4', username: 'bob', email: 'bob@example.com' });
    expect((await store.list()).map((u) => u.username)).toEqual(['Alice', 'bob']);
    expect(await store.update('ALICE', { sessionsValidFrom: 1_800_000_000 })).toBe(true);
    expect((await store.remove('alice'))?.sessionsValidFrom).toBe(1_800_000_000);
    expect(await store.remove('alice')).toBeUndefined();
    expect((await store.list()).map((u) => u.username)).toEqual(['bob']);
    const indexes = await scratch.db.collection(USERS_COLLECTION).indexes();
    expect(indexes.find((i) => i.name === 'username_ci')).toMatchObject({ unique: true, collation: { locale: 'en', strength: 2 } });
    expect(indexes.find((i) => i.name === 'email_ci')).toMatchObject({ unique: true, collation: { locale: 'en', strength: 2 } });
  });

  liveTest('revocation list: revoke, isRevoked, TTL index', async () => {
    const list = createMongoRevocationList(scratch.db);
    const now = Math.floor(Date.now() / 1000);
    expect(await list.isRevoked('s1')).toBe(false);
    await list.revoke('s1', now + 3600);
    await list.revoke('s1', now + 60);
    expect(await list.isRevoked('s1')).toBe(true);
    await list.revoke('expired', now - 5);
    expect(await list.isRevoked('expired')).toBe(false);
    expect(await scratch.db.collection(REVOKED_COLLECTION).countDocuments()).toBe(2);
    const ttl = (await scratch.db.collection(REVOKED_COLLECTION).indexes()).find((i) => i.name === 'expiresAt_ttl');
    expect(ttl).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });
  });

  liveTest('revocation list: subject revocation and single-use ids (back-channel logout)', async () => {
    const list = createMongoRevocationList(scratch.db);
    const other = createMongoRevocationList(scratch.db);
    const now = Math.floor(Date.now() / 1000);
    await list.revokeSubject('alice', now, now + 3600);
    await other.revokeSubject('alice', now - 100, now + 60);
    expect(await other.isRevoked('s9', { sub: 'alice', iat: now - 1 })).toBe(true);
    expect(await other.isRevoked('s9', { sub: 'alice', iat: now })).toBe(false);
    expect(await other.isRevoked('s9', { sub: 'bob', iat: now - 1 })).toBe(false);
    // A Rocket.Chat logout's mark, read on another replica; a site logout afterwards keeps it.
    expect(await other.rocketChatLogoutAt('alice')).toBeUndefined();
    await list.revokeSubject('alice', now + 1, now + 3600, { rocketChatLogout: true });
    await other.revokeSubject('alice', now + 2, now + 3600);
    expect(await other.rocketChatLogoutAt('alice')).toBe(now + 1);
    expect(await list.firstUse('jti-1', now + 60)).toBe(true);
    expect(await other.firstUse('jti-1', now + 60)).toBe(false);
  });

  liveTest('revocation list mirrored in memory: a logout through replica A reaches replica B within the bound, and B asks nothing per check', async () => {
    // Replica B on its own connection, as another companion process would be.
    const second = await connectMongo(process.env.MONGODB_URL as string);
    const a = createRevocationMirror(createMongoRevocationList(scratch.db));
    const b = createRevocationMirror(createMongoRevocationList(second.client.db(scratch.db.databaseName)));
    try {
      await Promise.all([a.start(), b.start()]);
      const now = Math.floor(Date.now() / 1000);
      expect(await b.isRevoked('s1')).toBe(false);
      const loggedOut = Date.now();
      await a.revoke('s1', now + 3600);
      await a.revokeSubject('alice', now, now + 3600);
      while (!(await b.isRevoked('s1')) || !(await b.isRevoked('s2', { sub: 'alice', iat: now - 1 }))) {
        expect(Date.now() - loggedOut).toBeLessThan(MIRROR_STALE_AFTER_MS);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await b.isRevoked('s2', { sub: 'alice', iat: now })).toBe(false);
      // Read again in every poll's overlap: one entry each, on both replicas.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect([a.size, b.size]).toEqual([2, 2]);
      // The stamp the polls ask by, and its index.
      const entry = await scratch.db.collection(REVOKED_COLLECTION).findOne({ _id: 's1' as never });
      expect(entry?.changedAt).toBeInstanceOf(Date);
      const index = (await scratch.db.collection(REVOKED_COLLECTION).indexes()).find((i) => i.name === 'changedAt');
      expect(index).toMatchObject({ key: { changedAt: 1 }, sparse: true });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await second.client.close();
    }
  });
});
