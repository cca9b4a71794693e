import type { RevocationList, SessionStamp } from './types';

/**
 * A bounded list cannot take a new entry without forgetting a live one: the request that needed
 * it fails (503, logged) instead, since forgetting would bring an ended session back.
 */
export class RevocationListFullError extends Error {
  readonly statusCode = 503;
  readonly code = 'REVOCATION_LIST_FULL';
  constructor(what: string, maxEntries: number) {
    super(`revocation list full: ${maxEntries} live ${what}, none expired yet`);
    this.name = 'RevocationListFullError';
  }
}

interface Expiry {
  until: number;
  key: string;
}

/**
 * One bounded map of `key → value with an expiry`, and a binary min-heap of expiries beside it.
 * An insert first pops what has expired (each entry is popped once: amortised O(log n)), never
 * scans or sorts; a full map refuses new keys (`set` answers false) and never evicts a live one.
 */
function boundedExpiringMap<V extends { until: number }>(maxEntries: number, now: () => number) {
  const entries = new Map<string, V>();
  // Heap order on `until`. A key whose expiry moved later has a stale node too (popped harmlessly).
  let heap: Expiry[] = [];

  function push(node: Expiry): void {
    let i = heap.length;
    heap.push(node);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.until <= node.until) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = node;
  }

  function popMin(): Expiry {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.until < heap[left]!.until ? right : left;
      if (heap[child]!.until >= last.until) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  /** Drops what has expired, soonest first, and stops at the first live expiry. */
  function prune(at: number): void {
    while (heap.length > 0 && heap[0]!.until <= at) {
      const { key } = popMin();
      const value = entries.get(key);
      // A stale node of a key that now lives longer leaves it alone.
      if (value !== undefined && value.until <= at) entries.delete(key);
    }
  }

  /** Stale nodes (expiries moved later) are rare; once they outnumber the entries, rebuild: amortised O(1). */
  function compact(): void {
    if (heap.length <= 2 * entries.size + 64) return;
    const nodes = heap.filter((node) => entries.get(node.key)?.until === node.until);
    heap = [];
    for (const node of nodes) push(node);
  }

  return {
    /** Stores `value` under `key`; false — and nothing changed — when `key` is new and the map is full. */
    set(key: string, value: V): boolean {
      prune(now());
      const previous = entries.get(key);
      if (previous === undefined && entries.size >= maxEntries) return false;
      entries.set(key, value);
      if (previous?.until !== value.until) push({ until: value.until, key });
      compact();
      return true;
    },
    /** The live entry, if any. */
    get(key: string): V | undefined {
      const value = entries.get(key);
      return value !== undefined && value.until > now() ? value : undefined;
    },
    clear(): void {
      entries.clear();
      heap = [];
    },
  };
}

/**
 * Ended sessions, ended subjects and used back-channel ids, kept in this process only: enough
 * for one replica (or tests sharing one instance). Each kind is bounded (`maxEntries`) so a flood
 * cannot grow memory without limit, and an entry leaves only once it has expired. When the
 * session ids are full, a logout that names its session's user and start (`stamp`) ends every
 * session of that user started up to it (one subject entry, which a later logout of the user
 * reuses); when that cannot be held either, the call fails with `RevocationListFullError`.
 */
export function createMemoryRevocationList(options: { maxEntries?: number; now?: () => number } = {}): RevocationList {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const sessions = boundedExpiringMap<{ until: number }>(maxEntries, now);
  // One entry per subject, whichever logouts it saw: `rocketChat` is the bound of the latest Rocket.Chat logout.
  const subjects = boundedExpiringMap<{ until: number; before: number; rocketChat?: number }>(maxEntries, now);
  const used = boundedExpiringMap<{ until: number }>(maxEntries, now);

  function revokeSubject(sub: string, beforeEpochSeconds: number, untilEpochSeconds: number, rocketChatLogout: boolean): void {
    const previous = subjects.get(sub);
    const rocketChat = rocketChatLogout ? Math.max(beforeEpochSeconds, previous?.rocketChat ?? 0) : previous?.rocketChat;
    const entry = {
      before: Math.max(beforeEpochSeconds, previous?.before ?? 0),
      until: Math.max(untilEpochSeconds, previous?.until ?? 0),
      ...(rocketChat === undefined ? {} : { rocketChat }),
    };
    if (!subjects.set(sub, entry)) throw new RevocationListFullError('subjects', maxEntries);
  }

  function isRevokedNow(sid: string, stamp?: SessionStamp): boolean {
    if (sessions.get(sid)) return true;
    if (!stamp) return false;
    const subject = subjects.get(stamp.sub);
    return subject !== undefined && stamp.iat < subject.before;
  }

  return {
    async revoke(sid, untilEpochSeconds, stamp) {
      if (untilEpochSeconds <= now()) return;
      if (sessions.set(sid, { until: Math.max(untilEpochSeconds, sessions.get(sid)?.until ?? 0) })) return;
      if (!stamp) throw new RevocationListFullError('sessions', maxEntries);
      // Session iat is in whole seconds: `before` one past it ends this session, and every older one of the user.
      revokeSubject(stamp.sub, stamp.iat + 1, untilEpochSeconds, false);
    },
    async revokeSubject(sub, beforeEpochSeconds, untilEpochSeconds, options) {
      if (untilEpochSeconds <= now()) return;
      revokeSubject(sub, beforeEpochSeconds, untilEpochSeconds, options?.rocketChatLogout === true);
    },
    async rocketChatLogoutAt(sub) {
      return subjects.get(sub)?.rocketChat;
    },
    async isRevoked(sid, stamp) {
      return isRevokedNow(sid, stamp);
    },
    isRevokedNow,
    async firstUse(id, untilEpochSeconds) {
      if (used.get(id)) return false;
      // Full: refuse rather than forget a used id (which would let it be replayed).
      if (!used.set(id, { until: Math.max(untilEpochSeconds, now() + 1) })) throw new RevocationListFullError('single-use ids', maxEntries);
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
