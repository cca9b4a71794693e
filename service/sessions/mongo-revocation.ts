/**
 * Ended sessions, ended subjects and used back-channel ids, shared by every replica (sessions
 * themselves are stateless cookies). One collection, three kinds of `_id` that cannot collide
 * (a session id is base64url, which has no `:`): `<sid>`, `sub:<sub>`, `jti:<id>`. Each entry
 * carries its own expiry and one TTL index removes it afterwards (a subject entry's
 * `rocketChatBefore` — the Rocket.Chat-logout mark — goes with it), so the collection holds at
 * most what ended within one session lifetime. Every revocation also stamps `changedAt` (the
 * writer's clock), so that each replica can mirror the list in memory and pull only what changed
 * (sessions/revocation-mirror.ts): the API URL then asks no database at all.
 */
import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { indexesOnce, pingMongo } from '../mongo';
import type { RevocationChange, SharedRevocationList } from './types';

export const REVOKED_COLLECTION = 'iframe_bridge_revoked';

interface RevokedEntry {
  _id: string;
  expiresAt: Date;
  /** Subject entries only: sessions made before this are ended. */
  before?: Date;
  /** Subject entries only, after a Rocket.Chat logout: site sessions issued before this may not start new sessions. */
  rocketChatBefore?: Date;
  /** Session and subject entries: when a replica last wrote it (its clock), for the mirrors' polls. */
  changedAt?: Date;
}

const subjectKey = (sub: string) => `sub:${sub}`;
const usedKey = (id: string) => `jti:${id}`;

/** What a mirror needs of an entry; used single-use ids (`jti:`) are not mirrored. */
const MIRRORED = { _id: 1, expiresAt: 1, before: 1 } as const;

function toChange(entry: Pick<RevokedEntry, '_id' | 'expiresAt' | 'before'>): RevocationChange | undefined {
  if (!(entry.expiresAt instanceof Date)) return undefined;
  const untilMs = entry.expiresAt.getTime();
  if (entry._id.startsWith('sub:')) return entry.before instanceof Date ? { kind: 'subject', key: entry._id.slice(4), untilMs, beforeMs: entry.before.getTime() } : undefined;
  if (entry._id.startsWith('jti:')) return undefined;
  return { kind: 'session', key: entry._id, untilMs };
}

export function createMongoRevocationList(db: Db): SharedRevocationList {
  const revoked: Collection<RevokedEntry> = db.collection<RevokedEntry>(REVOKED_COLLECTION);
  const ensureIndexes = indexesOnce(revoked, [
    // expireAfterSeconds 0: MongoDB deletes each entry once `expiresAt` has passed.
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
    // The mirrors' polls ask for what changed lately; single-use ids have no stamp.
    { key: { changedAt: 1 }, name: 'changedAt', sparse: true },
  ]);

  return {
    async revoke(sid, untilEpochSeconds) {
      await ensureIndexes();
      const expiresAt = new Date(untilEpochSeconds * 1000);
      // An upsert: logging out twice (two tabs, two replicas) is one entry, never an error.
      await revoked.updateOne({ _id: sid }, { $max: { expiresAt }, $set: { changedAt: new Date() } }, { upsert: true });
    },

    async revokeSubject(sub, beforeEpochSeconds, untilEpochSeconds, options) {
      await ensureIndexes();
      const before = new Date(beforeEpochSeconds * 1000);
      // $max on all: two logouts racing on two replicas keep the later bounds, whatever the order.
      await revoked.updateOne(
        { _id: subjectKey(sub) },
        {
          $max: { before, expiresAt: new Date(untilEpochSeconds * 1000), ...(options?.rocketChatLogout ? { rocketChatBefore: before } : {}) },
          $set: { changedAt: new Date() },
        },
        { upsert: true },
      );
    },

    async rocketChatLogoutAt(sub) {
      await ensureIndexes();
      // Asked only when a new session is about to start from the site's session, never on the fast path.
      const entry = await revoked.findOne(
        { _id: subjectKey(sub), rocketChatBefore: { $exists: true }, expiresAt: { $gt: new Date() } },
        { projection: { _id: 0, rocketChatBefore: 1 } },
      );
      return entry?.rocketChatBefore instanceof Date ? Math.floor(entry.rocketChatBefore.getTime() / 1000) : undefined;
    },

    async isRevoked(sid, stamp) {
      await ensureIndexes();
      // The TTL monitor runs about once a minute: an expired entry may still be there, and an
      // expired session is refused anyway, so only a live entry counts.
      const live = { $gt: new Date() };
      const filter: Filter<RevokedEntry> = stamp
        ? { $or: [{ _id: sid }, { _id: subjectKey(stamp.sub), before: { $gt: new Date(stamp.iat * 1000) } }], expiresAt: live }
        : { _id: sid, expiresAt: live };
      const entry = await revoked.findOne(filter, { projection: { _id: 1 } });
      return entry !== null;
    },

    async changes(sinceMs) {
      await ensureIndexes();
      // Without `sinceMs`, every live entry (a full reload); with it, those stamped after it.
      // Expired entries the TTL monitor has not removed yet are left out either way.
      const live = { expiresAt: { $gt: new Date() } };
      const filter: Filter<RevokedEntry> = sinceMs === undefined ? live : { changedAt: { $gt: new Date(sinceMs) }, ...live };
      const changes: RevocationChange[] = [];
      for await (const entry of revoked.find(filter, { projection: MIRRORED })) {
        const change = toChange(entry);
        if (change) changes.push(change);
      }
      return changes;
    },

    async firstUse(id, untilEpochSeconds) {
      await ensureIndexes();
      try {
        // The unique `_id` decides atomically across replicas: the second insert of an id fails.
        await revoked.insertOne({ _id: usedKey(id), expiresAt: new Date(Math.max(untilEpochSeconds, Math.floor(Date.now() / 1000) + 1) * 1000) });
        return true;
      } catch (error) {
        if (error instanceof MongoServerError && error.code === 11000) return false;
        throw error;
      }
    },

    ready: () => pingMongo(db),

    // The MongoClient belongs to whoever called connectMongo.
    close: async () => undefined,
  };
}
