import { createMongoUserStore, UserExistsError } from '../../../service/users/mongo-store';
import { UserExistsError as FileStoreUserExistsError } from '../../../service/users/file-store';
import type { LocalUser, UserStore } from '../../../service/users/types';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

const CI = { locale: 'en', strength: 2 };

function localUser(overrides: Partial<LocalUser> = {}): LocalUser {
  return {
    sub: 'u-1',
    username: 'Alice',
    email: 'Alice@Example.com',
    email_verified: true,
    name: 'Alice',
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
    disabled: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe(`MongoDB local user store — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let store: UserStore;

  beforeEach(async () => {
    h = await startWireHarness('bridge');
    store = createMongoUserStore(h.db);
  });
  afterEach(() => h.close());

  test('creates unique case-insensitive indexes (collation strength 2) on username and email, once', async () => {
    await store.find('alice');
    await store.find('bob');
    const creates = h.sent('iframe_bridge_users', 'createIndexes');
    expect(creates).toHaveLength(1);
    expect(creates[0].body.indexes).toEqual([
      { key: { username: 1 }, name: 'username_ci', unique: true, collation: CI },
      { key: { email: 1 }, name: 'email_ci', unique: true, collation: CI },
    ]);
  });

  test('find by username or email, case-insensitive, with the index collation; no _id returned', async () => {
    await store.add(localUser());
    const byName = await store.find('alice');
    const byEmail = await store.find('alice@example.COM');
    expect(byName).toEqual(localUser());
    expect(byEmail).toEqual(localUser());
    const find = h.sent('iframe_bridge_users', 'find')[0];
    expect(find.body.filter).toEqual({ $or: [{ username: 'alice' }, { email: 'alice' }] });
    expect(find.body.collation).toEqual(CI);
    expect(find.body.projection).toEqual({ _id: 0 });
    expect(await store.find('nobody')).toBeUndefined();
  });

  test('add inserts the user as is and does not touch the caller\'s object', async () => {
    const user = localUser();
    await store.add(user);
    expect(user).not.toHaveProperty('_id');
    const [doc] = h.sent('iframe_bridge_users', 'insert')[0].body.documents as Record<string, unknown>[];
    expect(doc).toMatchObject(localUser());
  });

  test('a duplicate username or email (E11000) is the same UserExistsError the file store throws', async () => {
    await store.add(localUser());
    await expect(store.add(localUser({ sub: 'u-2', email: 'other@example.com', username: 'ALICE' }))).rejects.toBeInstanceOf(FileStoreUserExistsError);
    await expect(store.add(localUser({ sub: 'u-3', username: 'bob', email: 'alice@example.com' }))).rejects.toBeInstanceOf(UserExistsError);
    await store.add(localUser({ sub: 'u-4', username: 'carol', email: 'carol@example.com' }));
    await expect(store.update('carol', { email: 'ALICE@example.com' })).rejects.toBeInstanceOf(UserExistsError);
  });

  test('update $sets only editable fields, matched case-insensitively', async () => {
    await store.add(localUser());
    const change = { disabled: true, sub: 'forged' } as unknown as Parameters<UserStore['update']>[1];
    expect(await store.update('ALICE', change)).toBe(true);
    const [update] = h.updates('iframe_bridge_users');
    expect(update.q).toEqual({ username: 'ALICE' });
    expect(update.u).toEqual({ $set: { disabled: true } });
    expect(update.collation).toEqual(CI);
    expect((await store.find('alice'))?.disabled).toBe(true);
    expect((await store.find('alice'))?.sub).toBe('u-1');
    expect(await store.update('nobody', { disabled: true })).toBe(false);
  });

  test('update $sets sessionsValidFrom (passwd and disable end older sessions)', async () => {
    await store.add(localUser());
    expect(await store.update('alice', { disabled: true, sessionsValidFrom: 1_800_000_000 })).toBe(true);
    expect(h.updates('iframe_bridge_users')[0].u).toEqual({ $set: { disabled: true, sessionsValidFrom: 1_800_000_000 } });
    expect((await store.find('alice'))?.sessionsValidFrom).toBe(1_800_000_000);
  });

  test('remove finds by username case-insensitively, deletes by sub, and answers the record removed', async () => {
    await store.add(localUser());
    await store.add(localUser({ sub: 'u-2', username: 'bob', email: 'bob@example.com' }));
    expect(await store.remove('ALICE')).toEqual(localUser());
    const [deletion] = h.sent('iframe_bridge_users', 'delete');
    expect(deletion.body.deletes).toEqual([{ q: { sub: 'u-1' }, limit: 1 }]);
    expect(await store.find('alice')).toBeUndefined();
    expect((await store.list()).map((u) => u.username)).toEqual(['bob']);
    // Nobody by that username (an email is not a username here): nothing is deleted.
    expect(await store.remove('alice')).toBeUndefined();
    expect(await store.remove('bob@example.com')).toBeUndefined();
    expect(h.sent('iframe_bridge_users', 'delete')).toHaveLength(1);
  });

  test('list returns every user sorted by username', async () => {
    await store.add(localUser({ sub: 'u-2', username: 'bob', email: 'bob@example.com' }));
    await store.add(localUser());
    expect((await store.list()).map((u) => u.username)).toEqual(['Alice', 'bob']);
    expect(h.sent('iframe_bridge_users', 'find')[0].body.sort).toEqual({ username: 1 });
  });

  test('index creation failing is retried on the next call, not remembered', async () => {
    let fail = true;
    h.server.handle((command) => {
      if (command.name === 'createIndexes' && fail) return { ok: 0, code: 85, codeName: 'IndexOptionsConflict', errmsg: 'conflict' };
      return h.fake.handler(command);
    });
    await expect(store.find('alice')).rejects.toThrow();
    fail = false;
    expect(await store.find('alice')).toBeUndefined();
    expect(h.sent('iframe_bridge_users', 'createIndexes')).toHaveLength(2);
  });

  test('ready() pings', async () => {
    expect(await store.ready()).toBe(true);
  });
});
