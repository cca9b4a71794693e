/**
 * The engine host's user bridge over Rocket.Chat's `users` collection (the stand-in's): what
 * Rocket.Chat's AppUserBridge does with Users.findOneById / findOneByUsername and its users
 * converter (convertToApp), so an App's user reader sees what REST sees.
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { createUserBridge } from '../../devstack/engine/bridges/users';
import { loadEngineModules, type EngineModules } from '../../devstack/engine/engine-module';
import { prepareRuntime } from '../../devstack/engine/prepare-runtime';
import type { StoredUser } from '../../devstack/rocketchat';
import { UserStore } from '../../devstack/rocketchat/store';

/** The protected methods the engine's do* wrappers call after their permission check. */
interface Users {
  installer: IUser;
  getById(id: string, appId: string): Promise<IUser | undefined>;
  getByUsername(username: string, appId: string): Promise<IUser | undefined>;
  getAppUser(appId?: string): Promise<IUser | undefined>;
  create(data: Partial<IUser>, appId: string): Promise<string>;
}

let engine: EngineModules;
beforeAll(async () => {
  engine = loadEngineModules((await prepareRuntime()).engineDir);
});

function setup() {
  const collection: StoredUser[] = [];
  const store = new UserStore(90, collection);
  const admin = store.create({ username: 'admin', email: 'admin@rc.test', password: 'pw', verified: true, roles: ['admin', 'user'] });
  const users = createUserBridge(engine, collection) as unknown as Users;
  return { collection, store, admin, users };
}

test('getById / getByUsername convert the record as Rocket.Chat does, and never hand out services', async () => {
  const { store, users } = setup();
  const alice = store.create({ username: 'Alice', email: 'alice@corp.example', name: 'Alice Example', password: 'secret', verified: true, roles: ['user', 'moderator'] });
  alice.lastLogin = new Date('2026-01-02T03:04:05Z');
  const read = await users.getById(alice._id, 'app');
  expect(read).toEqual({
    id: alice._id,
    username: 'Alice',
    emails: [{ address: 'alice@corp.example', verified: true }],
    type: 'user',
    isEnabled: true,
    name: 'Alice Example',
    roles: ['user', 'moderator'],
    status: 'offline',
    statusConnection: 'undefined', // the stand-in's records have no statusConnection: Rocket.Chat's converter says UNDEFINED
    createdAt: alice.createdAt,
    updatedAt: alice._updatedAt,
    lastLoginAt: alice.lastLogin,
    settings: { preferences: {} },
  });
  expect(JSON.stringify(read)).not.toMatch(/services|scrypt|hashedToken|loginTokens/);
  // A fresh object per read: changing it changes nothing stored.
  read!.emails.push({ address: 'x@y.z', verified: true });
  expect(alice.emails).toHaveLength(1);
});

test('isEnabled is the record\'s active, read live (a change through REST or the database shows at the next read)', async () => {
  const { store, users } = setup();
  const bob = store.create({ username: 'bob', email: 'bob@corp.example' });
  expect(await users.getById(bob._id, 'app')).toMatchObject({ isEnabled: true });
  bob.active = false;
  expect(await users.getByUsername('bob', 'app')).toMatchObject({ isEnabled: false });
});

test('unknown → undefined; usernames match exactly (Users.findOneByUsername), unlike REST users.info', async () => {
  const { store, users } = setup();
  store.create({ username: 'Alice', email: 'alice@corp.example' });
  await expect(users.getById('no-such-id', 'app')).resolves.toBeUndefined();
  await expect(users.getByUsername('alice', 'app')).resolves.toBeUndefined();
  await expect(users.getByUsername('ALICE', 'app')).resolves.toBeUndefined();
  await expect(users.getByUsername('', 'app')).resolves.toBeUndefined();
  await expect(users.getByUsername('Alice', 'app')).resolves.toMatchObject({ username: 'Alice' });
  expect(store.byUsername('alice')?.username).toBe('Alice'); // what REST's case-insensitive lookup finds
});

test('the collection\'s admin installs Apps; App bots live beside the collection and keep usernames unique, ignoring case', async () => {
  const { admin, users, collection } = setup();
  expect(users.installer).toMatchObject({ id: admin._id, username: 'admin', roles: ['admin', 'user'], isEnabled: true });
  const botId = await users.create({ username: 'my-app.bot', type: engine.users.UserType.APP }, 'app-1');
  await expect(users.getAppUser('app-1')).resolves.toMatchObject({ id: botId, username: 'my-app.bot', type: 'app', appId: 'app-1' });
  await expect(users.getById(botId, 'app-1')).resolves.toMatchObject({ username: 'my-app.bot' });
  expect(collection.some((user) => user._id === botId)).toBe(false);
  await expect(users.create({ username: 'ADMIN', type: engine.users.UserType.BOT }, 'app-2')).rejects.toThrow(/already in use/);
});

test('without a collection: a built-in admin, as before', async () => {
  const users = createUserBridge(engine) as unknown as Users;
  expect(users.installer).toMatchObject({ username: 'admin', isEnabled: true });
  await expect(users.getById(users.installer.id, 'app')).resolves.toMatchObject({ username: 'admin' });
});
