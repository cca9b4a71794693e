import type { RevocationList } from './types';

/**
 * Ended sessions, kept in this process only: enough for one replica (or tests sharing one
 * instance). Bounded so a flood of logouts cannot grow memory without limit; expired
 * entries are pruned as new ones arrive, and when full the soonest-expiring go first.
 */
export function createMemoryRevocationList(options: { maxEntries?: number; now?: () => number } = {}): RevocationList {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const revoked = new Map<string, number>();

  function prune(): void {
    const at = now();
    for (const [sid, until] of revoked) if (until <= at) revoked.delete(sid);
    if (revoked.size < maxEntries) return;
    const soonest = [...revoked.entries()].sort((a, b) => a[1] - b[1]);
    for (const [sid] of soonest.slice(0, revoked.size - maxEntries + 1)) revoked.delete(sid);
  }

  return {
    async revoke(sid, untilEpochSeconds) {
      if (untilEpochSeconds <= now()) return;
      prune();
      revoked.set(sid, untilEpochSeconds);
    },
    async isRevoked(sid) {
      const until = revoked.get(sid);
      if (until === undefined) return false;
      if (until <= now()) {
        revoked.delete(sid);
        return false;
      }
      return true;
    },
    async close() {
      revoked.clear();
    },
  };
}
