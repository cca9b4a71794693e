/**
 * Where the counts behind the companion's promises live: the lockout of each account, pending
 * two-factor logins, and the login and mint limits. In this process's memory (one replica), or in
 * MongoDB when `MONGODB_URL` is set, so that every replica counts the same guesses and any
 * replica can finish a login another one started.
 */

/** What a change makes of a record: `next` (undefined: remove it; the same object: leave it) kept until `expiresAt`, and the caller's answer. */
export interface Change<T, R> {
  next: T | undefined;
  /** When the record may be forgotten (ms since the epoch); needed with a new `next`. */
  expiresAt?: number;
  result: R;
}

/** Small records by key, each with its own expiry. */
export interface Records<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T, expiresAt: number): Promise<void>;
  /** Removes the record and answers it; of two replicas taking one key, one gets it. */
  take(key: string): Promise<T | undefined>;
  /**
   * Applies `change` to the live record (undefined when none) as one step: no other change of the
   * key comes between the read and the write. In MongoDB a write that lost a race is read and
   * applied again, so `change` must be pure; after a few lost races it rejects with StateContendedError.
   */
  update<R>(key: string, change: (current: T | undefined) => Change<T, R>): Promise<R>;
}

/** A fixed window's count of one key, this event included, and when the window ends (ms since the epoch). */
export interface WindowCount {
  count: number;
  resetAt: number;
}

/** Events per key in fixed windows of `windowMs`, aligned on multiples of it (the same windows on every replica). */
export interface Counters {
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

export interface StateStores {
  /** For the start-up line, doctor and /readyz: one process's memory, or MongoDB. */
  readonly where: 'process' | 'mongodb';
  /** The records of one kind (`lockout`, `pending-login`); one store per kind. */
  records<T extends object>(kind: string, options: { maxEntries: number }): Records<T>;
  /** The counters of one kind (`mints-by-address`, a form route's limit); one per kind. */
  counters(kind: string, options: { maxKeys: number }): Counters;
}

/** A key written by so many others at once that a change kept losing the race: the caller refuses rather than waits. */
export class StateContendedError extends Error {
  constructor(kind: string) {
    super(`too many concurrent changes of one ${kind} record`);
    this.name = 'StateContendedError';
  }
}
