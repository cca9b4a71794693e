import type { RevocationList } from './types';

/** One bounded map of `key → expiry`: expired entries are pruned as new ones arrive, and when full the soonest-expiring go first. */
function boundedExpiringMap<V extends { until: number }>(maxEntries: number, now: () => number) {
  const entries = new Map<string, V>();
  function prune(): void {
    const at = now();
    for (const [key, value] of entries) if (value.until <= at) entries.delete(key);
    if (entries.size < maxEntries) return;
    const soonest = [...entries.entries()].sort((a, b) => a[1].until - b[1].until);
    for (const [key] of soonest.slice(0, entries.size - maxEntries + 1)) entries.delete(key);
  }
  return {
    set(key: string, value: V): void {
      if (!entries.has(key)) prune();
      entries.set(key, value);
    },
    /** The live entry, if any. */
    get(key: string): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      if (value.until <= now()) {
        entries.delete(key);
        return undefined;
      }
      return value;
    },
    clear: () => entries.clear(),
  };
}

/**
 * Ended sessions, ended subjects and used back-channel ids, kept in this process only: enough
 * for one replica (or tests sharing one instance). Bounded so a flood cannot grow memory
 * without limit. Only tokens that passed signature checks reach `firstUse`, so evicting
 * the soonest-expiring id when full needs the shared secret to exploit.
 */
export function createMemoryRevocationList(options: { maxEntries?: number; now?: () => number } = {}): RevocationList {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const sessions = boundedExpiringMap<{ until: number }>(maxEntries, now);
  // One entry per subject, whichever logouts it saw: `rocketChat` is the bound of the latest Rocket.Chat logout.
  const subjects = boundedExpiringMap<{ until: number; before: number; rocketChat?: number }>(maxEntries, now);
  const used = boundedExpiringMap<{ until: number }>(maxEntries, now);

  return {
    async revoke(sid, untilEpochSeconds) {
      if (untilEpochSeconds <= now()) return;
      sessions.set(sid, { until: Math.max(untilEpochSeconds, sessions.get(sid)?.until ?? 0) });
    },
    async revokeSubject(sub, beforeEpochSeconds, untilEpochSeconds, options) {
      if (untilEpochSeconds <= now()) return;
      const previous = subjects.get(sub);
      const rocketChat = options?.rocketChatLogout ? Math.max(beforeEpochSeconds, previous?.rocketChat ?? 0) : previous?.rocketChat;
      subjects.set(sub, {
        before: Math.max(beforeEpochSeconds, previous?.before ?? 0),
        until: Math.max(untilEpochSeconds, previous?.until ?? 0),
        ...(rocketChat === undefined ? {} : { rocketChat }),
      });
    },
    async rocketChatLogoutAt(sub) {
      return subjects.get(sub)?.rocketChat;
    },
    async isRevoked(sid, stamp) {
      if (sessions.get(sid)) return true;
      if (!stamp) return false;
      const subject = subjects.get(stamp.sub);
      return subject !== undefined && stamp.iat < subject.before;
    },
    async firstUse(id, untilEpochSeconds) {
      if (used.get(id)) return false;
      used.set(id, { until: Math.max(untilEpochSeconds, now() + 1) });
      return true;
    },
    // In this process: nothing to reach.
    ready: async () => true,
    async close() {
      sessions.clear();
      subjects.clear();
      used.clear();
    },
  };
}
