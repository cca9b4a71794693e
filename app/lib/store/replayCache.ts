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

export class ReplayCache {
  private lastPrune = 0;

  /**
   * Records the jti and tells whether this call is its first use. The store has no
   * unique index, so the record is written first and then counted: a request wins only
   * if its own record is the only one, and two racing requests can never both win.
   */
  async claim(storage: Storage, issuer: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    const key = hashKey(issuer, jti);
    const own = association('jti', key);
    const earlier = (await storage.read.readByAssociation(own)) as SeenJti[];
    if (earlier.length > 0) return false;
    const nonce = randomBytes(12).toString('base64url');
    await storage.write.createWithAssociations({ key, expiresAt, nonce } satisfies SeenJti, [own, EVERY_JTI]);
    const after = (await storage.read.readByAssociation(own)) as SeenJti[];
    await this.pruneNowAndThen(storage, now);
    return after.length === 1 && after[0]?.nonce === nonce;
  }

  /**
   * At most once a minute per App process, and a bounded number of removals per pass. A pass
   * that hit the bound leaves a backlog: the next claim prunes again instead of waiting a
   * minute, or more than MAX_PRUNED_PER_PASS logins a minute would grow the store forever.
   */
  private async pruneNowAndThen(storage: Storage, now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_INTERVAL_SECONDS) return;
    this.lastPrune = now;
    const all = (await storage.read.readByAssociation(EVERY_JTI)) as SeenJti[];
    const expired = all.filter((record) => typeof record.expiresAt === 'number' && record.expiresAt < now);
    for (const record of expired.slice(0, MAX_PRUNED_PER_PASS)) await storage.write.removeByAssociations([association('jti', record.key), EVERY_JTI]);
    if (expired.length > MAX_PRUNED_PER_PASS) this.lastPrune = 0;
  }
}
