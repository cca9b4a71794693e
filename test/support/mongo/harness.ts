/** Wire stand-in + fake database + a connected driver, for the wire-level suites. */
import type { Document } from 'bson';
import type { Db, MongoClient } from 'mongodb';
import { connectMongo } from '../../../service/mongo';
import { createFakeDatabase, type FakeDatabase } from '../../../devstack/mongo/fake-database';
import { startWireServer, type ReceivedCommand, type WireServer } from '../../../devstack/mongo/wire-server';

/** Printed in suite names so nobody mistakes these for tests against a real server. */
export const WIRE_LEVEL = 'wire-level (MongoDB protocol stand-in; no MongoDB server here — `npm run test:mongo` runs the same flows against a real one)';

export interface WireHarness {
  server: WireServer;
  fake: FakeDatabase;
  client: MongoClient;
  db: Db;
  /** The commands our code sent for one collection, housekeeping left out. */
  sent(collection: string, name?: string): ReceivedCommand[];
  /** The first update statement of each `update` command: `{q, u, upsert?}`. */
  updates(collection: string): Document[];
  close(): Promise<void>;
}

export async function startWireHarness(dbName = 'rocketchat'): Promise<WireHarness> {
  const fake = createFakeDatabase();
  const server = await startWireServer((command) => fake.handler(command));
  const { client, db } = await connectMongo(server.url(dbName));
  const sent = (collection: string, name?: string) =>
    server.commands.filter((c) => c.body[c.name] === collection && (name === undefined || c.name === name));
  return {
    server,
    fake,
    client,
    db,
    sent,
    updates: (collection) => sent(collection, 'update').map((c) => (c.body.updates as Document[])[0]),
    async close() {
      await client.close();
      await server.close();
    },
  };
}
