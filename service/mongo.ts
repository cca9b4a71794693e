/**
 * One MongoDB connection for the companion (Rocket.Chat's own database in MongoDB mode, and
 * the local user store / revocation list when `MONGODB_URL` is set).
 */
import {
  type Collection,
  type Document,
  type IndexDescription,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
} from 'mongodb';
import { NotReady } from './readiness';
import { requestDeadline } from './request-budget';

/**
 * Start-up and /readyz should fail in seconds, not after the driver's 30 s default, so an
 * operator sees "cannot reach MongoDB" instead of a hung boot or a hung health check. Under the
 * request budget (service/request-budget.ts), so a stopped server is logged as unreachable
 * (MongoServerSelectionError) rather than as a step that ran out of time.
 */
export const SERVER_SELECTION_TIMEOUT_MS = 1400;

/**
 * The longest one step of a request (a revocation check, a token write, a ping) waits on
 * MongoDB. The server selection timeout covers a server that is down; this covers one that
 * stops answering while its connections stay open (a hung process, packets dropped without a
 * reset, writes waiting on a lost majority), which the driver alone would let wait for 13 s
 * or more (its heartbeat plus connect timeout, then retries), and it has no per-operation
 * timeout left (`timeoutMS` has no effect in driver 7).
 */
export const OPERATION_TIMEOUT_MS = 1500;

/** A step that did not finish within OPERATION_TIMEOUT_MS (or its request's budget); the driver's own work goes on and ends on its own. */
/** A NotReady too: its words are ours (no URL, no server text), so /readyz may show them as they are. */
export class MongoDeadlineError extends NotReady {
  constructor(ms: number) {
    super(`MongoDB did not answer within ${ms} ms`);
    this.name = 'MongoDeadlineError';
  }
}

/**
 * `operation()`, or a MongoDeadlineError once `ms` have passed. The operation is not cancelled
 * (the driver has no way to for writes): it settles later and nothing waits for it; its
 * connection is freed when the server answers or the driver's monitor gives up on it.
 */
export function withDeadline<T>(operation: () => Promise<T>, stepMs = OPERATION_TIMEOUT_MS): Promise<T> {
  const until = requestDeadline.getStore();
  const ms = until === undefined ? stepMs : Math.max(0, Math.min(stepMs, until - Date.now()));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new MongoDeadlineError(ms)), ms);
  });
  // Promise.race handles a late rejection of the operation: never an unhandled rejection.
  return Promise.race([operation(), deadline]).finally(() => clearTimeout(timer));
}

/**
 * The same object with each method that returns a promise bounded by `withDeadline`: for the
 * MongoDB-backed stores whose callers answer 503 on any error (revocation list, user store).
 */
export function bounded<T extends object>(target: T, ms = OPERATION_TIMEOUT_MS): T {
  const copy: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    copy[key] = (...args: unknown[]) => {
      const result: unknown = value.apply(target, args);
      return result instanceof Promise ? withDeadline(() => result, ms) : result;
    };
  }
  return copy as T;
}

/**
 * A collection's indexes, created when a store first needs them: callers meanwhile share the one
 * attempt, and a failed attempt (MongoDB away) is not kept, so the next call tries again.
 * Creating an index that exists is a no-op, so each process simply asks once.
 */
export function indexesOnce<T extends Document>(collection: Collection<T>, specs: IndexDescription[]): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () =>
    (created ??= collection
      .createIndexes(specs)
      .then(() => undefined)
      .catch((error: unknown) => {
        created = undefined;
        throw error;
      }));
}

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
    error instanceof MongoNotConnectedError ||
    error instanceof MongoDeadlineError
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

/**
 * Pings in flight, by client: /readyz asks every MongoDB-backed part at once (token issuer, user
 * store, revocation list), and when one client serves several of them one ping answers for all.
 */
const pings = new WeakMap<MongoClient, Promise<boolean>>();

/** For `ready()`: one ping within the operation bound, a NotReady saying why when it fails; callers meanwhile share it. */
export function pingMongo(db: Db): Promise<boolean> {
  const pending = pings.get(db.client);
  if (pending) return pending;
  const ping = withDeadline(() => db.command({ ping: 1 }))
    .then(
      (reply) => reply.ok === 1,
      (error: unknown) => {
        // The driver's error name says what failed (server selection, network); its message may quote the URL.
        throw new NotReady(error instanceof MongoDeadlineError ? error.message : `MongoDB is unreachable (${error instanceof Error ? error.name : 'failed'})`);
      },
    )
    .finally(() => pings.delete(db.client));
  pings.set(db.client, ping);
  return ping;
}
