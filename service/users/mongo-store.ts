/**
 * The `local` identity source's users in MongoDB (when `MONGODB_URL` is set), so several
 * replicas share one directory. Lookups are case-insensitive, like the embedded store.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { indexesOnce, pingMongo } from '../mongo';
// The embedded store's error, so callers (the CLI) catch one class whichever store is in use.
import { UserExistsError } from './file-store';
import type { LocalUser, UserChange, UserStore } from './types';

export { UserExistsError };

export const USERS_COLLECTION = 'iframe_bridge_users';

/**
 * Strength 2 compares letters without case ("Alice" = "alice") but keeps accents apart. Queries
 * must carry the same collation as the unique indexes, or MongoDB will not use them.
 */
export const CASE_INSENSITIVE = { locale: 'en', strength: 2 } as const;

const EDITABLE: readonly (keyof UserChange)[] = ['passwordHash', 'disabled', 'email', 'name', 'email_verified', 'roles', 'sessionsValidFrom'];

/** Our documents are LocalUser as is; MongoDB's own `_id` never leaves this file. */
const WITHOUT_ID = { projection: { _id: 0 } } as const;

export function createMongoUserStore(db: Db): UserStore {
  const users: Collection<LocalUser> = db.collection<LocalUser>(USERS_COLLECTION);
  /** Created on first use (idempotent); a failure is retried on the next call, not cached. */
  const ensureIndexes = indexesOnce(users, [
    { key: { username: 1 }, name: 'username_ci', unique: true, collation: CASE_INSENSITIVE },
    { key: { email: 1 }, name: 'email_ci', unique: true, collation: CASE_INSENSITIVE },
  ]);

  async function find(login: string): Promise<LocalUser | undefined> {
    await ensureIndexes();
    const user = await users.findOne({ $or: [{ username: login }, { email: login }] }, { ...WITHOUT_ID, collation: CASE_INSENSITIVE });
    return user ?? undefined;
  }

  return {
    find,

    async add(user) {
      await ensureIndexes();
      try {
        // A copy: the driver would otherwise add `_id` to the caller's object.
        await users.insertOne({ ...user });
      } catch (error) {
        if (error instanceof MongoServerError && error.code === 11000) {
          throw new UserExistsError(user.username);
        }
        throw error;
      }
    },

    async update(username, change) {
      await ensureIndexes();
      // Only the editable fields: a caller's object may carry more than its type says.
      const fields = Object.fromEntries(EDITABLE.filter((key) => change[key] !== undefined).map((key) => [key, change[key]]));
      if (Object.keys(fields).length === 0) return (await find(username)) !== undefined;
      try {
        const result = await users.updateOne({ username }, { $set: fields }, { collation: CASE_INSENSITIVE });
        return result.matchedCount === 1;
      } catch (error) {
        // Only `email` can clash here: the username is the one being updated.
        if (error instanceof MongoServerError && error.code === 11000) throw new UserExistsError(username);
        throw error;
      }
    },

    async remove(username) {
      await ensureIndexes();
      const user = await users.findOne({ username }, { ...WITHOUT_ID, collation: CASE_INSENSITIVE });
      if (!user) return undefined;
      // By `sub`: a user re-added under the same name in between is not the one removed here.
      const result = await users.deleteOne({ sub: user.sub });
      return result.deletedCount === 1 ? user : undefined;
    },

    async list() {
      await ensureIndexes();
      return users.find({}, { ...WITHOUT_ID, collation: CASE_INSENSITIVE }).sort({ username: 1 }).toArray();
    },

    ready: () => pingMongo(db),
    // The MongoClient belongs to whoever called connectMongo.
    close: async () => undefined,
  };
}
