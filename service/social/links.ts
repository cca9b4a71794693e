/**
 * Which local user a provider account belongs to: `<provider>:<provider user id>` → the local
 * user's `sub`. A separate small file (SOCIAL_LINKS_FILE, beside the users file by default)
 * rather than a field on LocalUser, so the user stores (file and MongoDB) and the users CLI stay
 * as they are, and removing the file unlinks everybody at once. Written atomically.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Provider } from './types';

interface LinksFile {
  version: 1;
  links: Record<string, string>;
}

export interface LinkStore {
  find(provider: Provider, id: string): Promise<string | undefined>;
  link(provider: Provider, id: string, sub: string): Promise<void>;
}

export function createFileLinkStore(path: string): LinkStore {
  let writing: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as LinksFile;
      if (parsed.version !== 1 || typeof parsed.links !== 'object' || parsed.links === null) throw new Error(`${path} is not a social links file (version 1)`);
      return parsed.links;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  return {
    async find(provider, id) {
      const links = await load();
      const key = `${provider}:${id}`;
      return Object.prototype.hasOwnProperty.call(links, key) ? links[key] : undefined;
    },
    link(provider, id, sub) {
      const change = async () => {
        const links = { ...(await load()), [`${provider}:${id}`]: sub };
        await mkdir(dirname(path), { recursive: true });
        const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(temp, `${JSON.stringify({ version: 1, links } satisfies LinksFile, null, 2)}\n`, { mode: 0o600 });
        await rename(temp, path);
      };
      const next = writing.then(change, change);
      writing = next.catch(() => undefined);
      return next;
    },
  };
}
