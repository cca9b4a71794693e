/**
 * Per-account lockout after repeated failed logins: the lock doubles with each further failure
 * up to a cap and always expires (a permanent lock would let anyone disable any account). The
 * counts live in the state stores (service/state): with MONGODB_URL every replica counts the same
 * failures, so a guesser spreading tries over replicas meets the same threshold.
 *
 * A check is claimed before its slow part (scrypt, a call to Rocket.Chat), so a burst of parallel
 * guesses cannot all pass while none has failed yet: at most `threshold` checks are under way or
 * failed before the lock, and one at a time once it has been locked. A claim is a record of the
 * account (with its own expiry: a replica that dies mid-check frees the place in a minute), and
 * it ends with what the check found, in one step, so no other check slips in between. `claim`
 * waits a moment for a place instead of refusing, so a user's own parallel logins (two tabs, a
 * retry) run one after another rather than fail.
 */
import { randomBytes } from 'node:crypto';
import { StateContendedError, type Change, type Records } from '../state/types';

export interface LockoutOptions {
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
  /** Seconds since the epoch (tests move it). */
  now?: () => number;
}

/** What one account's record holds (times in seconds since the epoch). */
export interface LockoutEntry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
  /** Checks under way, each holding its place until it ends or `until` passes. */
  claims: Array<{ id: string; until: number }>;
}

/** What a check found: the password was right, wrong, or the check said nothing about it. */
export type CheckOutcome = 'passed' | 'failed' | 'unknown';

/** One claimed check; `end` frees its place and records its outcome. Ending twice does nothing. */
export interface LockoutCheck {
  end(outcome: CheckOutcome): Promise<void>;
}

/** How long a claimed place is held at most: longer than any check takes. */
const CLAIM_SECONDS = 60;
/** How long `claim` waits for a place, and how many may wait for one account in this process. */
const MAX_WAIT_MS = 1_000;
const MAX_WAITING = 200;
/** Another replica's check ending wakes nobody here: a waiter looks again this often. */
const POLL_MS = 50;

const empty = (): LockoutEntry => ({ failures: 0, lockedUntil: 0, lastFailure: 0, claims: [] });

export class Lockout {
  private readonly now: () => number;
  /** Waiters of this process by account, woken when a check of it ends here. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    private readonly records: Records<LockoutEntry>,
    private readonly options: LockoutOptions,
  ) {
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  private key(login: string): string {
    return login.trim().toLowerCase();
  }

  /** The record as it stands at `at`: spent claims dropped, and failures forgiven after a long quiet spell. */
  private live(entry: LockoutEntry | undefined, at: number): LockoutEntry {
    if (!entry) return empty();
    const counting = at - entry.lastFailure <= this.options.maxSeconds * 2;
    return { ...entry, failures: counting ? entry.failures : 0, claims: entry.claims.filter((claim) => claim.until > at) };
  }

  /** The record to write: removed once it holds nothing that still counts, else kept until its last part does. */
  private keep<R>(entry: LockoutEntry, at: number, result: R): Change<LockoutEntry, R> {
    const until = Math.max(entry.lockedUntil, entry.failures > 0 ? entry.lastFailure + this.options.maxSeconds * 2 : 0, ...entry.claims.map((claim) => claim.until));
    return until > at ? { next: entry, expiresAt: until * 1000, result } : { next: undefined, result };
  }

  /** Seconds until `login` may try again; 0 when it may try now. */
  async retryAfter(login: string): Promise<number> {
    const entry = await this.records.get(this.key(login));
    return Math.max(0, Math.ceil((entry?.lockedUntil ?? 0) - this.now()));
  }

  /** One try for a place: the check, or why there is none. A place fought over by too many at once counts as busy. */
  async begin(login: string): Promise<LockoutCheck | 'locked' | 'busy'> {
    const key = this.key(login);
    const id = randomBytes(9).toString('base64url');
    const at = this.now();
    let answer: 'granted' | 'locked' | 'busy';
    try {
      answer = await this.records.update(key, (current) => {
        const entry = this.live(current, at);
        if (entry.lockedUntil > at) return { next: current, result: 'locked' as const };
        if (entry.claims.length >= Math.max(1, this.options.threshold - entry.failures)) return { next: current, result: 'busy' as const };
        return this.keep({ ...entry, claims: [...entry.claims, { id, until: at + CLAIM_SECONDS }] }, at, 'granted' as const);
      });
    } catch (error) {
      if (error instanceof StateContendedError) return 'busy';
      throw error;
    }
    return answer === 'granted' ? this.check(key, id) : answer;
  }

  /**
   * `begin`, waiting up to a second for a place while every place of the account is taken by a
   * check under way. `undefined` at once when the account is locked (or becomes locked while this
   * waits), when it is still busy after the wait, or when MAX_WAITING checks of it wait here already.
   */
  async claim(login: string): Promise<LockoutCheck | undefined> {
    const key = this.key(login);
    const deadline = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const answer = await this.begin(login);
      if (answer === 'locked') return undefined;
      if (answer !== 'busy') return answer;
      const left = deadline - Date.now();
      const waiters = this.waiting.get(key) ?? new Set();
      if (left <= 0 || waiters.size >= MAX_WAITING) return undefined;
      this.waiting.set(key, waiters);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, Math.min(left, POLL_MS));
        function wake() {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        }
        waiters.add(wake);
      });
      if (waiters.size === 0) this.waiting.delete(key);
    }
  }

  private check(key: string, id: string): LockoutCheck {
    let ended = false;
    return {
      end: async (outcome) => {
        if (ended) return;
        ended = true;
        try {
          const at = this.now();
          await this.records.update(key, (current) => {
            const entry = this.live(current, at);
            const claims = entry.claims.filter((claim) => claim.id !== id);
            if (outcome === 'passed') return this.keep({ ...empty(), claims }, at, undefined);
            if (outcome === 'unknown') return this.keep({ ...entry, claims }, at, undefined);
            const failures = entry.failures + 1;
            const over = failures - this.options.threshold;
            const lockSeconds = over < 0 ? 0 : Math.min(this.options.maxSeconds, this.options.baseSeconds * 2 ** Math.min(over, 30));
            return this.keep({ failures, lockedUntil: at + lockSeconds, lastFailure: at, claims }, at, undefined);
          });
        } finally {
          // Every waiter looks again: a freed place for one, or a lock that refuses them all.
          for (const wake of [...(this.waiting.get(key) ?? [])]) wake();
        }
      },
    };
  }
}
