/**
 * One MongoDB connection for the companion (Rocket.Chat's own database in MongoDB mode, and
 * the local user store / revocation list when `MONGODB_URL` is set).
 */
import {
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
} from 'mongodb';

/**
 * Start-up and /readyz should fail in seconds, not after the driver's 30 s default, so an
 * operator sees "cannot reach MongoDB" instead of a hung boot or a hung health check.
 */
export const SERVER_SELECTION_TIMEOUT_MS = 3000;

/** `mongodb://user:secret@host/db` → `mongodb://***@host/db`, for messages and logs. */
export function redactMongoUrl(url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/i, '$1***@');
}

/** The database named by the URL's path (`/rocketchat`), or undefined when there is none. */
export function databaseName(url: string): string | undefined {
  const afterScheme = url.replace(/^mongodb(?:\+srv)?:\/\//i, '');
  const slash = afterScheme.indexOf('/');
  if (slash < 0) return undefined;
  const name = decodeURIComponent(afterScheme.slice(slash + 1).split('?')[0]);
  return name.length > 0 ? name : undefined;
}

/** Errors that mean "the database did not answer", as opposed to "it answered no". */
export function isMongoUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  );
}

/** Driver messages may quote the URL; keep the password out of whatever we rethrow. */
function describe(error: unknown, url: string): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const password = /^mongodb(?:\+srv)?:\/\/[^:@/]*:([^@/]*)@/i.exec(url)?.[1];
  const withoutPassword = password ? text.split(password).join('***').split(decodeURIComponent(password)).join('***') : text;
  return redactMongoUrl(withoutPassword);
}

export async function connectMongo(url: string): Promise<{ client: MongoClient; db: Db }> {
  const name = databaseName(url);
  // The driver would silently use "test": a bridge writing users there is worse than not starting.
  if (!name) throw new Error(`MONGODB_URL names no database (add its name as the path, e.g. ${redactMongoUrl(url).replace(/\/?(\?|$)/, '/rocketchat$1')})`);
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    appName: 'rocketchat-iframe-auth-bridge',
  });
  try {
    await client.connect();
    await client.db(name).command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`MONGODB_URL: cannot use MongoDB at ${redactMongoUrl(url)} (${describe(error, url)})`);
  }
  return { client, db: client.db(name) };
}

/** For `ready()`: one ping, never a throw. */
export async function pingMongo(db: Db): Promise<boolean> {
  try {
    const reply = await db.command({ ping: 1 });
    return reply.ok === 1;
  } catch {
    return false;
  }
}
