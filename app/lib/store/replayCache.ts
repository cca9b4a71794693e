/**
 * Single-use `jti`: each accepted value is remembered in App persistence until its
 * assertion could no longer pass the time checks (exp + skew), then pruned.
 */
import { randomBytes } from 'crypto';
import { association, hashKey, Storage } from './records';

interface SeenJti {
  key: string;
  expiresAt: number;
  nonce: string;
}

const EVERY_JTI = association('jti', 'all');
const PRUNE_INTERVAL_SECONDS = 60;
const MAX_PRUNED_PER_PASS = 500;
/** jti this process saw, so a replay to the same process is refused without a write. */
const MAX_REMEMBERED = 20_000;

export class ReplayCache {
  private lastPrune = 0;
  private pruning?: Promise<void>;
  private readonly seen = new Map<string, number>();

  /**
   * Records the jti and tells whether this call is its first use. The store has no
   * unique index, so the record is written first and then counted: a request wins only
   * if its own record is the only one, and two racing requests (in this process or in
   * another Rocket.Chat instance's) can never both win. No read before the write: the
   * count decides alone, and a replay's extra record expires with the first one.
   */
  async claim(storage: Storage, issuer: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    const key = hashKey(issuer, jti);
    if (!this.remember(key, expiresAt, now)) return false;
    const own = association('jti', key);
    const nonce = randomBytes(12).toString('base64url');
    try {
      await storage.write.createWithAssociations({ key, expiresAt, nonce } satisfies SeenJti, [own, EVERY_JTI]);
    } catch (error) {
      this.seen.delete(key); // nothing was recorded: a retry of this assertion is no replay
      throw error;
    }
    const after = (await storage.read.readByAssociation(own)) as SeenJti[];
    this.pruneInBackground(storage, now);
    return after.length === 1 && after[0]?.nonce === nonce;
  }

  /** Resolves when no pruning pass is running (tests, and anyone who must see the store settled). */
  async idle(): Promise<void> {
    await this.pruning;
  }

  /** Check-and-set in one synchronous step: false when this process already saw the key. */
  private remember(key: string, expiresAt: number, now: number): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= MAX_REMEMBERED) {
      for (const [old, until] of this.seen) if (until < now) this.seen.delete(old);
      // Still full of live keys: drop the oldest tenth; persistence still refuses their replays.
      for (const old of [...this.seen.keys()].slice(0, this.seen.size >= MAX_REMEMBERED ? MAX_REMEMBERED / 10 : 0)) this.seen.delete(old);
    }
    this.seen.set(key, expiresAt);
    return true;
  }

  /**
   * At most once a minute per App process, never awaited by the login that starts it (a
   * pass reads every record), and one pass at a time. A pass that hit its bound leaves a
   * backlog: the next claim after it starts another instead of waiting a minute, or more
   * than MAX_PRUNED_PER_PASS logins a minute would grow the store forever.
   */
  private pruneInBackground(storage: Storage, now: number): void {
    if (this.pruning || now - this.lastPrune < PRUNE_INTERVAL_SECONDS) return;
    this.lastPrune = now;
    this.pruning = this.prune(storage, now)
      // Nobody awaits this promise: a failure must not become an unhandled rejection. Next interval retries.
      .catch(() => undefined)
      .finally(() => {
        this.pruning = undefined;
      });
  }

  private async prune(storage: Storage, now: number): Promise<void> {
    const all = (await storage.read.readByAssociation(EVERY_JTI)) as SeenJti[];
    const expired = all.filter((record) => typeof record.expiresAt === 'number' && record.expiresAt < now);
    for (const record of expired.slice(0, MAX_PRUNED_PER_PASS)) await storage.write.removeByAssociations([association('jti', record.key), EVERY_JTI]);
    if (expired.length > MAX_PRUNED_PER_PASS) this.lastPrune = 0;
  }
}
