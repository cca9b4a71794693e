/** The App's reading of users through the engine's user reader (app/lib/rocketchat/directory.ts). */
import type { IUserRead } from '@rocket.chat/apps-engine/definition/accessors';
import { UserDirectory } from '../../app/lib/rocketchat/directory';
import { RocketChatUnavailable } from '../../app/lib/errors';

const reader = (value: unknown, fail?: unknown): IUserRead =>
  ({
    getById: async () => {
      if (fail) throw fail;
      return value;
    },
    getByUsername: async () => value,
  }) as unknown as IUserRead;

const appUser = { id: 'u1', username: 'alice', name: 'Alice', isEnabled: true, emails: [{ address: 'alice@corp.example', verified: true }], roles: ['user'], type: 'user', status: 'offline' };

test('an Apps-Engine IUser becomes the App\'s user: id, username, name, emails, roles, isEnabled as active', async () => {
  await expect(new UserDirectory(reader(appUser)).byId('u1')).resolves.toEqual({ _id: 'u1', username: 'alice', name: 'Alice', active: true, emails: [{ address: 'alice@corp.example', verified: true }], roles: ['user'] });
});

test('only isEnabled === true is active (Rocket.Chat\'s login refuses any other `active`)', async () => {
  for (const isEnabled of [false, undefined, null, 'true', 1]) {
    await expect(new UserDirectory(reader({ ...appUser, isEnabled })).byId('u1')).resolves.toMatchObject({ active: false });
  }
});

test('unknown (undefined, or null over the runtime\'s JSON-RPC) is undefined', async () => {
  await expect(new UserDirectory(reader(undefined)).byUsername('ghost')).resolves.toBeUndefined();
  await expect(new UserDirectory(reader(null)).byId('ghost')).resolves.toBeUndefined();
});

test('missing roles stay unknown (never reset); odd emails and roles are dropped', async () => {
  const user = await new UserDirectory(reader({ ...appUser, roles: undefined, emails: [{ address: 'a@b.c' }, { verified: true }, null] })).byId('u1');
  expect(user).toMatchObject({ roles: undefined, emails: [{ address: 'a@b.c', verified: false }] });
});

test('a reader that throws, or answers something that is no user, is RocketChatUnavailable (a 502)', async () => {
  await expect(new UserDirectory(reader(undefined, { message: 'JSON-RPC error from the runtime' })).byId('u1')).rejects.toThrow(RocketChatUnavailable);
  await expect(new UserDirectory(reader(undefined, new Error('boom'))).byId('u1')).rejects.toThrow(/user reader getById failed: boom/);
  await expect(new UserDirectory(reader({ username: 'no-id' })).byId('u1')).rejects.toThrow(RocketChatUnavailable);
  await expect(new UserDirectory(reader('alice')).byId('u1')).rejects.toThrow(RocketChatUnavailable);
});
