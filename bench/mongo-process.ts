/**
 * The MongoDB wire stand-in (devstack/mongo: wire-server.ts + fake-database.ts) in a process of
 * its own, for row 2m: the companion there runs with MONGODB_URL pointing here. Like the App
 * stand-in, it keeps its work off the load generator's and the companion's event loops.
 */
import { createFakeDatabase } from '../devstack/mongo/fake-database';
import { startWireServer } from '../devstack/mongo/wire-server';
import { serveParent } from './ipc';

export interface MongoReady {
  /** `mongodb://127.0.0.1:<port>/rocketchat` */
  url: string;
}

async function main(): Promise<void> {
  const fake = createFakeDatabase();
  const server = await startWireServer((command) => fake.handler(command));
  serveParent({ url: server.url('rocketchat') } satisfies MongoReady, {
    /**
     * The commands received since the last call (housekeeping left out), by kind:
     * `<command> <collection>`, the revocation list's finds told apart: the mirror's polls (by
     * stamp, `changedAt`), its full reloads (every live entry), and anything else. The records are dropped so the stand-in stays bounded.
     */
    commands: (): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const { name, body } of server.commands) {
        const filter = name === 'find' && body.filter && typeof body.filter === 'object' ? Object.keys(body.filter as object) : [];
        const role = filter.includes('changedAt') ? ' (mirror poll)' : filter.length === 1 && filter[0] === 'expiresAt' ? ' (mirror full reload)' : '';
        const key = `${name} ${String(body[name])}${role}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      server.commands.length = 0;
      return counts;
    },
  }, () => server.close());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
