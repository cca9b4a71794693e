/**
 * Per-account lockout after repeated failed logins: the lock doubles with each further
 * failure up to a cap and always expires (a permanent lock would let anyone disable any
 * account). Kept in memory, bounded; each replica counts its own attempts.
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

export class Lockout {
  private readonly entries = new Map<string, Entry>();
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

  fail(login: string): void {
    const key = this.key(login);
    const at = this.now();
    const previous = this.entries.get(key);
    // A long quiet spell forgives old failures.
    const stale = previous && at - previous.lastFailure > this.options.maxSeconds * 2;
    const failures = previous && !stale ? previous.failures + 1 : 1;
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
