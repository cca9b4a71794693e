import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalIdentity } from '../../../service/identity/local';
import { createFileUserStore, UserExistsError } from '../../../service/users/file-store';
import { hashPassword, verifyPassword } from '../../../service/users/password';
import type { LocalUser } from '../../../service/users/types';

const file = () => join(mkdtempSync(join(tmpdir(), 'rcib-store-')), 'nested', 'users.json');

async function user(username: string, extra: Partial<LocalUser> = {}): Promise<LocalUser> {
  return { sub: `sub-${username}`, username, email: `${username}@example.com`, email_verified: true, name: username, passwordHash: await hashPassword('pass-word-1'), disabled: false, createdAt: 'now', ...extra };
}

describe('password hashes', () => {
  test('scrypt, salted, verified in constant time; malformed hashes never match', async () => {
    const a = await hashPassword('secret-1');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(await hashPassword('secret-1'));
    expect(await verifyPassword(a, 'secret-1')).toBe(true);
    expect(await verifyPassword(a, 'secret-2')).toBe(false);
    for (const bad of ['', 'plain', 'scrypt$1$1$1$$', 'bcrypt$x', 'scrypt$99999999$8$1$AAAA$AAAA']) expect(await verifyPassword(bad, 'secret-1')).toBe(false);
  });
});

describe('file store', () => {
  test('adds, finds by username or email (any case), updates, refuses duplicates; writes atomically', async () => {
    const path = file();
    const store = createFileUserStore(path);
    expect(await store.list()).toEqual([]);
    await store.add(await user('alice'));
    await expect(store.add(await user('ALICE'))).rejects.toBeInstanceOf(UserExistsError);
    expect((await store.find('Alice'))?.sub).toBe('sub-alice');
    expect((await store.find('ALICE@example.com'))?.sub).toBe('sub-alice');
    expect(await store.update('alice', { disabled: true })).toBe(true);
    expect(await store.update('nobody', { disabled: true })).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8')).users[0].disabled).toBe(true);
    expect(await store.ready()).toBe(true);
  });

  test('removes by username (any case) and answers the record removed; nobody is undefined and changes nothing', async () => {
    const path = file();
    const store = createFileUserStore(path);
    await store.add(await user('alice'));
    await store.add(await user('bob'));
    expect(await store.update('alice', { sessionsValidFrom: 1_800_000_000 })).toBe(true);
    const removed = await store.remove('ALICE');
    expect(removed).toMatchObject({ sub: 'sub-alice', username: 'alice', sessionsValidFrom: 1_800_000_000 });
    expect(await store.find('alice')).toBeUndefined();
    expect(await store.remove('alice')).toBeUndefined();
    expect(await store.remove('bob@example.com')).toBeUndefined();
    expect(JSON.parse(readFileSync(path, 'utf8')).users.map((u: LocalUser) => u.username)).toEqual(['bob']);
  });

  test('concurrent adds are all kept; an edit on disk (by the CLI) is seen', async () => {
    const path = file();
    const store = createFileUserStore(path);
    await Promise.all(['a1', 'a2', 'a3', 'a4'].map(async (name) => store.add(await user(name))));
    expect((await store.list()).map((u) => u.username).sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
    const other = createFileUserStore(path);
    await other.update('a1', { name: 'Changed' });
    expect((await store.find('a1'))?.name).toBe('Changed');
    writeFileSync(path, 'not json');
    await expect(createFileUserStore(path).ready()).rejects.toThrow(`the local users file ${path} cannot be read (SyntaxError)`);
  });
});

describe('local identity', () => {
  test('verifies passwords; refuses unknown and disabled users alike', async () => {
    const store = createFileUserStore(file());
    await store.add(await user('alice', { roles: ['admin'] }));
    await store.add(await user('bob', { disabled: true }));
    const identity = createLocalIdentity(store);
    expect(identity.kind).toBe('local');
    expect(await identity.verifyPassword?.('alice', 'pass-word-1')).toEqual({ sub: 'sub-alice', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'alice', roles: ['admin'] });
    expect(await identity.verifyPassword?.('alice', 'wrong')).toBeUndefined();
    expect(await identity.verifyPassword?.('bob', 'pass-word-1')).toBeUndefined();
    expect(await identity.verifyPassword?.('nobody', 'pass-word-1')).toBeUndefined();
    expect(await identity.verifyPassword?.('', 'pass-word-1')).toBeUndefined();
  });

  test('confirm: a session stands while its user does; cached for the fast path, fresh on demand', async () => {
    const path = file();
    const store = createFileUserStore(path);
    await store.add(await user('alice'));
    let clock = 1_000_000;
    const identity = createLocalIdentity(store, { cacheSeconds: 30, now: () => clock });
    const cli = createFileUserStore(path);
    const alice = { user: { sub: 'sub-alice', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'alice' }, iat: 1_700_000_000 };
    expect(await identity.confirm?.(alice, { fresh: false })).toEqual(alice.user);

    // Disabled elsewhere (the CLI, another process): the cached answer holds for the cache time only.
    await cli.update('alice', { disabled: true });
    expect(await identity.confirm?.(alice, { fresh: false })).toEqual(alice.user);
    expect(await identity.confirm?.(alice, { fresh: true })).toBeUndefined();
    // A fresh answer refreshes the cache too.
    expect(await identity.confirm?.(alice, { fresh: false })).toBeUndefined();

    await cli.update('alice', { disabled: false, sessionsValidFrom: 1_700_000_001 });
    clock += 30_001;
    expect(await identity.confirm?.(alice, { fresh: false })).toBeUndefined();
    // Made in the same second as the change, or after: stands (whole seconds cannot tell).
    expect(await identity.confirm?.({ ...alice, iat: 1_700_000_001 }, { fresh: true })).toEqual(alice.user);

    // Removed, then re-added under the same name: somebody else, the old session does not stand.
    await cli.remove('alice');
    await cli.add(await user('alice', { sub: 'sub-new-alice' }));
    expect(await identity.confirm?.({ ...alice, iat: 1_800_000_000 }, { fresh: true })).toBeUndefined();
  });

  test('confirm: a store that fails throws and is asked again next time', async () => {
    const store = createFileUserStore(file());
    await store.add(await user('alice'));
    let fail = true;
    const flaky = { ...store, find: (login: string) => (fail ? Promise.reject(new Error('store down')) : store.find(login)) };
    const identity = createLocalIdentity(flaky);
    const alice = { user: { sub: 'sub-alice', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'alice' }, iat: 1_700_000_000 };
    await expect(identity.confirm?.(alice, { fresh: false })).rejects.toThrow('store down');
    fail = false;
    expect(await identity.confirm?.(alice, { fresh: false })).toEqual(alice.user);
  });

  test('an unknown user costs a hash comparison too (flat timing)', async () => {
    const store = createFileUserStore(file());
    await store.add(await user('alice'));
    const identity = createLocalIdentity(store);
    await identity.verifyPassword?.('warm-up', 'x');
    const time = async (login: string) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 5; i += 1) await identity.verifyPassword?.(login, 'wrong');
      return Number(process.hrtime.bigint() - started) / 5e6;
    };
    const known = await time('alice');
    const unknown = await time('nobody');
    // scrypt dominates both; without the dummy compare "unknown" would take ~0 ms.
    expect(unknown).toBeGreaterThan(known * 0.4);
  });
});
