/**
 * The live MongoDB suites run only when `MONGODB_URL` points at a real server
 * (`npm run test:mongo`); otherwise every test is skipped under a name that says why.
 * Each suite works in its own scratch database, dropped afterwards, never in the URL's one:
 * the URL may well be a real Rocket.Chat's.
 */
import { randomBytes } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';
import { connectMongo } from '../../service/mongo';

export const MONGODB_URL = process.env.MONGODB_URL;
export const SKIP_REASON = 'SKIPPED: MONGODB_URL is not set (no MongoDB server on this machine; run `MONGODB_URL=mongodb://host/db npm run test:mongo`)';

/** `describe` name with the reason appended when skipped. */
export function liveName(name: string): string {
  return MONGODB_URL ? `${name} — against a real MongoDB` : `${name} — ${SKIP_REASON}`;
}

export const liveTest: jest.It = MONGODB_URL ? test : test.skip;

// Jest lists nothing for a file whose tests are all skipped: say it out loud once per file.
if (!MONGODB_URL) console.warn(`Live MongoDB tests ${SKIP_REASON}`);

export interface Scratch {
  client: MongoClient;
  db: Db;
  drop(): Promise<void>;
}

export async function scratchDatabase(): Promise<Scratch> {
  const { client } = await connectMongo(MONGODB_URL as string);
  const db = client.db(`iframe_bridge_test_${randomBytes(4).toString('hex')}`);
  return {
    client,
    db,
    async drop() {
      await db.dropDatabase();
      await client.close();
    },
  };
}

/** The unique indexes Rocket.Chat keeps on `users` (its Users model). */
export async function rocketChatUserIndexes(db: Db): Promise<void> {
  await db.collection('users').createIndexes([
    { key: { username: 1 }, unique: true, sparse: true },
    { key: { 'emails.address': 1 }, unique: true, sparse: true },
  ]);
}
