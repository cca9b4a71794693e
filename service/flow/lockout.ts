/**
 * Per-account lockout after repeated failed logins: the lock doubles with each further
 * failure up to a cap and always expires (a permanent lock would let anyone disable any
 * account). Kept in memory, bounded; each replica counts its own attempts.
 *
 * A check is claimed with `begin` before its slow part (scrypt, a call to Rocket.Chat), so a burst
 * of parallel guesses cannot all pass while none has failed yet: at most `threshold` checks are
 * under way or failed before the lock, and one at a time once it has been locked. `claim` waits
 * for a place instead of refusing, so a user's own parallel logins (two tabs, a retry, many
 * clients of one account) run one after another rather than fail.
 */
export interface LockoutOptions {
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

/** Checks of one account that may wait for a place; the per-IP rate limit bounds them first. */
const MAX_WAITING = 200;

export class Lockout {
  private readonly entries = new Map<string, Entry>();
  /** Checks under way per key; a key leaves when its last one is released. */
  private readonly running = new Map<string, number>();
  /** Checks waiting for a place per key (`claim`), woken one at a time as places free up. */
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly now: () => number;

  constructor(private readonly options: LockoutOptions) {
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  private key(login: string): string {
    return login.trim().toLowerCase();
  }

  /** Seconds until `login` may try again; 0 when it may try now. */
  retryAfter(login: string): number {
    const entry = this.entries.get(this.key(login));
    if (!entry) return 0;
    return Math.max(0, Math.ceil(entry.lockedUntil - this.now()));
  }

  /**
   * Claims one check of `login` before its slow part: `undefined` while the account is locked or
   * while as many checks are under way as it may still fail before the lock. Otherwise the
   * release, to call once the check has answered (with fail() or succeed() beside it, or alone
   * when the answer says nothing about the password); calling it again does nothing.
   */
  begin(login: string): (() => void) | undefined {
    const key = this.key(login);
    if (this.retryAfter(login) > 0) return undefined;
    const running = this.running.get(key) ?? 0;
    if (running >= Math.max(1, this.options.threshold - this.failures(key, this.now()))) return undefined;
    this.running.set(key, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(key) ?? 1) - 1;
      if (left > 0) this.running.set(key, left);
      else this.running.delete(key);
      this.wakeOne(key);
    };
  }

  /**
   * `begin`, but while every place of the account is taken by a check under way it waits for
   * one instead of refusing. Still `undefined` at once when the account is locked (or becomes
   * locked while this waits), or when MAX_WAITING checks of it are waiting already.
   */
  async claim(login: string): Promise<(() => void) | undefined> {
    const key = this.key(login);
    let woken = false;
    for (;;) {
      const release = this.begin(login);
      if (release) return release;
      const queue = this.waiting.get(key) ?? [];
      if (this.retryAfter(login) > 0 || (this.running.get(key) ?? 0) === 0 || queue.length >= MAX_WAITING) {
        // Refused: a waiter woken for this place passes it on, so every waiter gets its answer.
        if (woken) this.wakeOne(key);
        return undefined;
      }
      this.waiting.set(key, queue);
      await new Promise<void>((resolve) => queue.push(resolve));
      woken = true;
    }
  }

  private wakeOne(key: string): void {
    const queue = this.waiting.get(key);
    queue?.shift()?.();
    if (queue?.length === 0) this.waiting.delete(key);
  }

  /** Failures that still count at `at`: a long quiet spell forgives old ones. */
  private failures(key: string, at: number): number {
    const entry = this.entries.get(key);
    return entry && at - entry.lastFailure <= this.options.maxSeconds * 2 ? entry.failures : 0;
  }

  fail(login: string): void {
    const key = this.key(login);
    const at = this.now();
    const failures = this.failures(key, at) + 1;
    const over = failures - this.options.threshold;
    const lockSeconds = over < 0 ? 0 : Math.min(this.options.maxSeconds, this.options.baseSeconds * 2 ** Math.min(over, 30));
    this.entries.delete(key);
    this.entries.set(key, { failures, lockedUntil: at + lockSeconds, lastFailure: at });
    this.bound();
  }

  succeed(login: string): void {
    this.entries.delete(this.key(login));
  }

  private bound(): void {
    const max = this.options.maxEntries ?? 50_000;
    // Map keeps insertion order and fail() re-inserts, so the first keys are the least recent.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= max) break;
      this.entries.delete(key);
    }
  }
}
