/**
 * Ended session ids shared by every replica (sessions themselves are stateless cookies).
 * Each entry carries its session's own expiry and a TTL index removes it afterwards, so the
 * collection holds at most the sessions logged out within one session lifetime.
 */
import type { Collection, Db } from 'mongodb';
import type { RevocationList } from './types';

export const REVOKED_COLLECTION = 'iframe_bridge_revoked';

interface RevokedSession {
  _id: string;
  expiresAt: Date;
}

export function createMongoRevocationList(db: Db): RevocationList {
  const revoked: Collection<RevokedSession> = db.collection<RevokedSession>(REVOKED_COLLECTION);
  let indexes: Promise<void> | undefined;

  function ensureIndexes(): Promise<void> {
    // expireAfterSeconds 0: MongoDB deletes each entry once `expiresAt` has passed.
    indexes ??= revoked
      .createIndex({ expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 })
      .then(() => undefined)
      .catch((error: unknown) => {
        indexes = undefined;
        throw error;
      });
    return indexes;
  }

  return {
    async revoke(sid, untilEpochSeconds) {
      await ensureIndexes();
      const expiresAt = new Date(untilEpochSeconds * 1000);
      // An upsert: logging out twice (two tabs, two replicas) is one entry, never an error.
      await revoked.updateOne({ _id: sid }, { $max: { expiresAt } }, { upsert: true });
    },

    async isRevoked(sid) {
      await ensureIndexes();
      // The TTL monitor runs about once a minute: an expired entry may still be there, and an
      // expired session is refused anyway, so only a live entry counts.
      const entry = await revoked.findOne({ _id: sid, expiresAt: { $gt: new Date() } }, { projection: { _id: 1 } });
      return entry !== null;
    },

    // The MongoClient belongs to whoever called connectMongo.
    close: async () => undefined,
  };
}
