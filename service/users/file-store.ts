/**
 * The embedded user store (MONGODB_URL unset): one JSON file, re-read when it changes on
 * disk (the CLI may edit it while the service runs) and written atomically (temp file + rename).
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NotReady, notReadyReason } from '../readiness';
import type { LocalUser, UserStore } from './types';

interface FileShape {
  version: 1;
  users: LocalUser[];
}

export class UserExistsError extends Error {
  constructor(readonly username: string) {
    super(`user "${username}" (or that email) already exists`);
    this.name = 'UserExistsError';
  }
}

export function createFileUserStore(path: string): UserStore {
  // Keyed by inode too: every write renames a new file into place, so a change is seen even
  // when it lands within the same millisecond (mtime) as the copy read before.
  let cache: { version: string; users: LocalUser[] } | undefined;
  let writing: Promise<unknown> = Promise.resolve();

  async function load(): Promise<LocalUser[]> {
    let version: string;
    try {
      const { ino, mtimeMs, size } = await stat(path);
      version = `${ino}:${mtimeMs}:${size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    if (cache && cache.version === version) return cache.users;
    const parsed = JSON.parse(await readFile(path, 'utf8')) as FileShape;
    if (parsed.version !== 1 || !Array.isArray(parsed.users)) throw new Error(`${path} is not a users file (version 1)`);
    cache = { version, users: parsed.users };
    return parsed.users;
  }

  async function save(users: LocalUser[]): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, `${JSON.stringify({ version: 1, users } satisfies FileShape, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, path);
    cache = undefined;
  }

  /** Writes one after another, so two changes never read the same old file. */
  function serialized<T>(change: () => Promise<T>): Promise<T> {
    const next = writing.then(change, change);
    writing = next.catch(() => undefined);
    return next;
  }

  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  return {
    async find(login) {
      const users = await load();
      return users.find((u) => same(u.username, login)) ?? users.find((u) => same(u.email, login));
    },
    add(user) {
      return serialized(async () => {
        const users = await load();
        if (users.some((u) => same(u.username, user.username) || same(u.email, user.email))) throw new UserExistsError(user.username);
        await save([...users, user]);
      });
    },
    update(username, change) {
      return serialized(async () => {
        const users = await load();
        const index = users.findIndex((u) => same(u.username, username));
        if (index < 0) return false;
        const next = [...users];
        next[index] = { ...users[index], ...change };
        await save(next);
        return true;
      });
    },
    remove(username) {
      return serialized(async () => {
        const users = await load();
        const removed = users.find((u) => same(u.username, username));
        if (removed) await save(users.filter((u) => u !== removed));
        return removed;
      });
    },
    async list() {
      return [...(await load())];
    },
    async ready() {
      try {
        await load();
        return true;
      } catch (error) {
        throw new NotReady(`the local users file ${path} cannot be read (${notReadyReason(error)})`);
      }
    },
    async close() {},
  };
}
