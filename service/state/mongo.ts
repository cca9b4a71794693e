/**
 * State in MongoDB, shared by every replica (`MONGODB_URL`): one collection, one document per
 * record or counter window, each removed by a TTL index once it has expired. Keys are hashed, so
 * the collection names no user and no address, and any key fits an `_id`.
 *
 * A record changes by compare-and-set on a version number (read, apply the change, write only if
 * the version is still the one read): the change itself stays plain code, the same as in memory,
 * and MongoDB's single-document atomicity is all it needs. A counter is one `$inc`.
 */
import { createHash, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { bounded, indexesOnce } from '../mongo';
import { StateContendedError, type Counters, type Records, type StateStores } from './types';

export const STATE_COLLECTION = 'iframe_bridge_state';

interface StateDocument {
  _id: string;
  /** Records: the version compare-and-set checks. */
  v?: number;
  value?: object;
  /** Counters: the window's count. */
  n?: number;
  expiresAt: Date;
}

/**
 * A counter step's bound. The login forms' limits count in a hook before the route's handler,
 * outside the request's MongoDB budget (service/request-budget.ts): a second here leaves the
 * answer within 2 s even when MongoDB does not answer at all.
 */
const COUNTER_TIMEOUT_MS = 1_000;

/** Lost races before a change gives up: enough for a handful of replicas writing one key at once. */
const MAX_ATTEMPTS = 8;

const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === 11000;

export function createMongoState(db: Db): StateStores {
  const collection: Collection<StateDocument> = db.collection<StateDocument>(STATE_COLLECTION);
  // expireAfterSeconds 0: MongoDB removes each document once `expiresAt` has passed (its monitor runs about once a minute, so reads check too).
  const ensureIndexes = indexesOnce(collection, [{ key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 }]);
  const idOf = (kind: string, key: string) => `${kind}:${createHash('sha256').update(key).digest('base64url')}`;

  function records<T extends object>(kind: string): Records<T> {
    const liveValue = (doc: StateDocument | null) => (doc && doc.expiresAt.getTime() > Date.now() ? (doc.value as T) : undefined);

    /** Writes `next` over `doc` if nobody has since; false when the race was lost. */
    async function write(_id: string, doc: StateDocument | null, next: T | undefined, expiresAt: number | undefined): Promise<boolean> {
      if (!doc) {
        if (next === undefined) return true;
        try {
          await collection.insertOne({ _id, v: 1, value: next, expiresAt: new Date(expiresAt ?? Date.now()) });
          return true;
        } catch (error) {
          if (isDuplicateKey(error)) return false;
          throw error;
        }
      }
      if (next === undefined) return (await collection.deleteOne({ _id, v: doc.v })).deletedCount === 1;
      const written = await collection.updateOne({ _id, v: doc.v }, { $set: { value: next, expiresAt: new Date(expiresAt ?? Date.now()) }, $inc: { v: 1 } });
      return written.matchedCount === 1;
    }

    return bounded<Records<T>>({
      async get(key) {
        await ensureIndexes();
        return liveValue(await collection.findOne({ _id: idOf(kind, key) }));
      },
      async put(key, value, expiresAt) {
        await ensureIndexes();
        const _id = idOf(kind, key);
        await collection.updateOne({ _id }, { $set: { value, expiresAt: new Date(expiresAt) }, $inc: { v: 1 } }, { upsert: true });
      },
      async take(key) {
        await ensureIndexes();
        // One findAndModify: of two replicas taking the same key, only one is answered the document.
        return liveValue(await collection.findOneAndDelete({ _id: idOf(kind, key) }));
      },
      async update(key, change) {
        await ensureIndexes();
        const _id = idOf(kind, key);
        for (let attempt = 1; ; attempt += 1) {
          const doc = await collection.findOne({ _id });
          const current = liveValue(doc);
          const { next, expiresAt, result } = change(current);
          if (next === current && current !== undefined) return result;
          if (await write(_id, doc, next, expiresAt)) return result;
          if (attempt >= MAX_ATTEMPTS) throw new StateContendedError(kind);
          // Lost the race: the others' writes land first, then this one reads them.
          await sleep(randomInt(1, 4 * attempt + 2));
        }
      },
    });
  }

  function counters(kind: string): Counters {
    return bounded<Counters>({
      async hit(key, windowMs) {
        await ensureIndexes();
        const start = Math.floor(Date.now() / windowMs) * windowMs;
        const resetAt = start + windowMs;
        const _id = `${idOf(kind, key)}:${start}`;
        const count = async () => {
          const doc = await collection.findOneAndUpdate({ _id }, { $inc: { n: 1 }, $setOnInsert: { expiresAt: new Date(resetAt) } }, { upsert: true, returnDocument: 'after', projection: { n: 1 } });
          return { count: doc?.n ?? 1, resetAt };
        };
        try {
          return await count();
        } catch (error) {
          // Two first hits of a window at once: one inserted it, the other's upsert now finds it.
          if (isDuplicateKey(error)) return count();
          throw error;
        }
      },
    }, COUNTER_TIMEOUT_MS);
  }

  return {
    where: 'mongodb',
    records: (kind) => records(kind),
    counters: (kind) => counters(kind),
  };
}
