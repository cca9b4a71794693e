/**
 * The shared revocation list (MongoDB) mirrored in this replica's memory, so that checking a
 * session — on every API URL call — asks no database. Writes go to the shared list and into the
 * mirror at once; what other replicas write arrives by polling:
 *
 * - every `intervalMs`, the entries stamped (`changedAt`, the writer's clock) after the start of
 *   the last successful poll less `overlapMs`. The overlap re-reads recent entries on purpose:
 *   an entry stamped by a replica whose clock is behind, or whose write committed after a later
 *   one, still falls inside it. Entries are merged by id, keeping the later bounds (the list's
 *   own `$max`), so reading one again changes nothing;
 * - every `fullReloadMs`, every live entry, for whatever the overlap cannot cover (a write that
 *   took longer than it to commit, a replica whose clock is off by more, a replica of an older
 *   version that writes no stamp); expired entries then leave memory, as they leave MongoDB.
 *
 * Fail closed: when no poll has succeeded for `staleAfterMs` (the database stopped, frozen or
 * unreachable), `isRevoked` rejects at once (the route answers 503) instead of answering from
 * a mirror that may be missing a logout made on another replica. So a logout through any replica
 * ends the session on every replica within `staleAfterMs`: either a poll that started after the
 * write has brought it in, or the mirror is stale and refuses every session.
 */
import { NotReady, notReadyReason } from '../readiness';
import type { RevocationChange, RevocationList, SessionStamp, SharedRevocationList } from './types';

/** How often a replica pulls what the others wrote. */
export const MIRROR_INTERVAL_MS = 250;
/** A mirror not synced for this long refuses every session: the bound of a logout's propagation. */
export const MIRROR_STALE_AFTER_MS = 3_000;
/** How far back each poll re-reads: covers writers' clocks behind ours and late commits, together. */
export const MIRROR_OVERLAP_MS = 10_000;
/** Every live entry read again, and expired ones dropped. */
export const MIRROR_FULL_RELOAD_MS = 60_000;

export interface MirrorOptions {
  intervalMs?: number;
  staleAfterMs?: number;
  overlapMs?: number;
  fullReloadMs?: number;
  /** Milliseconds since the epoch; a clock tests can move. */
  now?: () => number;
}

/** The mirror has not synced within its bound: sessions cannot be checked (503, never a wait). */
export class RevocationMirrorStaleError extends NotReady {
  readonly statusCode = 503;
  constructor(sinceMs: number, lastError: string | undefined) {
    super(`shared revocation list not synced for ${sinceMs} ms${lastError ? ` (${lastError})` : ''}`);
    this.name = 'RevocationMirrorStaleError';
  }
}

export interface RevocationMirror extends RevocationList {
  /** The first full load (rejects when it fails), then the polling loop until `close()`. */
  start(): Promise<void>;
  /** Entries held in memory (session and subject), for tests and metrics. */
  readonly size: number;
}

export function createRevocationMirror(shared: SharedRevocationList, options: MirrorOptions = {}): RevocationMirror {
  const intervalMs = options.intervalMs ?? MIRROR_INTERVAL_MS;
  const staleAfterMs = options.staleAfterMs ?? MIRROR_STALE_AFTER_MS;
  const overlapMs = options.overlapMs ?? MIRROR_OVERLAP_MS;
  const fullReloadMs = options.fullReloadMs ?? MIRROR_FULL_RELOAD_MS;
  const now = options.now ?? Date.now;

  // sid → until; sub → { until, before } (ms since the epoch).
  const sessions = new Map<string, number>();
  const subjects = new Map<string, { untilMs: number; beforeMs: number }>();
  /** When the last successful sync started: everything committed before then is in the mirror. */
  let syncedFrom = Number.NEGATIVE_INFINITY;
  let lastFullReload = Number.NEGATIVE_INFINITY;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function apply(change: RevocationChange): void {
    if (change.kind === 'session') {
      const held = sessions.get(change.key);
      if (held === undefined || held < change.untilMs) sessions.set(change.key, change.untilMs);
      return;
    }
    const held = subjects.get(change.key);
    if (held === undefined) subjects.set(change.key, { untilMs: change.untilMs, beforeMs: change.beforeMs });
    else {
      held.untilMs = Math.max(held.untilMs, change.untilMs);
      held.beforeMs = Math.max(held.beforeMs, change.beforeMs);
    }
  }

  function dropExpired(at: number): void {
    for (const [sid, untilMs] of sessions) if (untilMs <= at) sessions.delete(sid);
    for (const [sub, entry] of subjects) if (entry.untilMs <= at) subjects.delete(sub);
  }

  /** One sync: a full reload when due, else what changed since the last one (less the overlap). */
  async function sync(): Promise<void> {
    const started = now();
    const full = started - lastFullReload >= fullReloadMs;
    try {
      const changes = await shared.changes(full ? undefined : syncedFrom - overlapMs);
      for (const change of changes) apply(change);
      if (full) {
        dropExpired(now());
        lastFullReload = started;
      }
      syncedFrom = Math.max(syncedFrom, started);
      lastError = undefined;
    } catch (error) {
      // Our words or the error's name only: a driver message may quote the URL.
      lastError = notReadyReason(error);
      throw error;
    }
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      // Failures are counted by staleness (isRevoked, ready); the loop goes on.
      void sync()
        .catch(() => undefined)
        .finally(schedule);
    }, intervalMs);
    // The loop alone never keeps the process up.
    timer.unref();
  }

  function fresh(): void {
    const age = now() - syncedFrom;
    if (age > staleAfterMs) throw new RevocationMirrorStaleError(Number.isFinite(age) ? age : -1, lastError);
  }

  /** From memory, never waiting: throws when the mirror is stale (fail closed). */
  function isRevokedNow(sid: string, stamp?: SessionStamp): boolean {
    fresh();
    const at = now();
    const untilMs = sessions.get(sid);
    if (untilMs !== undefined && untilMs > at) return true;
    if (!stamp) return false;
    const subject = subjects.get(stamp.sub);
    // As the shared list asks: a live subject entry whose bound is after the session's start.
    return subject !== undefined && subject.untilMs > at && subject.beforeMs > stamp.iat * 1000;
  }

  return {
    get size() {
      return sessions.size + subjects.size;
    },

    async start() {
      await sync();
      schedule();
    },

    async revoke(sid, untilEpochSeconds, stamp) {
      // Into the mirror first: should the write fail (the logout answers 503), this replica
      // refuses the session anyway.
      if (untilEpochSeconds * 1000 > now()) apply({ kind: 'session', key: sid, untilMs: untilEpochSeconds * 1000 });
      await shared.revoke(sid, untilEpochSeconds, stamp);
    },

    async revokeSubject(sub, beforeEpochSeconds, untilEpochSeconds, revokeOptions) {
      if (untilEpochSeconds * 1000 > now()) apply({ kind: 'subject', key: sub, untilMs: untilEpochSeconds * 1000, beforeMs: beforeEpochSeconds * 1000 });
      await shared.revokeSubject(sub, beforeEpochSeconds, untilEpochSeconds, revokeOptions);
    },

    // Off the fast path (a new session about to start): asked of the shared list itself.
    rocketChatLogoutAt: (sub) => shared.rocketChatLogoutAt(sub),

    async isRevoked(sid, stamp) {
      return isRevokedNow(sid, stamp);
    },

    isRevokedNow,

    // Single-use ids must be decided atomically across replicas: always the shared list's insert.
    firstUse: (id, untilEpochSeconds) => shared.firstUse(id, untilEpochSeconds),

    async ready() {
      const answers = await shared.ready();
      fresh();
      return answers;
    },

    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      sessions.clear();
      subjects.clear();
      await shared.close();
    },
  };
}
