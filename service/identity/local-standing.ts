/**
 * Whether a local user's companion session still stands: the user is still in the store, not
 * disabled, and the session is no older than their `sessionsValidFrom` (set by `users passwd`
 * and `users disable`). The API URL's fast path may not cost a store round trip per request,
 * so answers are kept per user for a short while; a mint asks `fresh` and refreshes the entry.
 */
import type { LocalUser, UserStore } from '../users/types';
import type { SiteUser } from './types';

/** Half the 60 s the users CLI promises: a change reaches every replica's fast path within this. */
export const STANDING_CACHE_SECONDS = 30;
const CACHE_SIZE = 10_000;

export interface StandingOptions {
  /** How long an answer is reused without `fresh` (tests shorten or stretch it). */
  cacheSeconds?: number;
  /** Milliseconds since the epoch; a clock tests can move. */
  now?: () => number;
}

export interface StandingCheck {
  (session: { user: SiteUser; iat: number }, fresh: boolean): Promise<LocalUser | undefined>;
  /** The cached answer without waiting: the user, `null` when the session does not stand, `undefined` when not cached (or not yet settled). */
  known(session: { user: SiteUser; iat: number }): LocalUser | null | undefined;
}

export function createStandingCheck(store: UserStore, options: StandingOptions = {}): StandingCheck {
  const ttlMs = (options.cacheSeconds ?? STANDING_CACHE_SECONDS) * 1000;
  const now = options.now ?? Date.now;
  // One lookup per user at a time: a burst of API calls after the entry expires shares it.
  // `settled`: the lookup's answer once it has arrived (null: no such user), for `known`.
  type Cached = { at: number; user: Promise<LocalUser | undefined>; settled?: LocalUser | null };
  const cache = new Map<string, Cached>();

  function lookup(user: SiteUser): Promise<LocalUser | undefined> {
    // By username (the store's index), then the sub must match: a user removed and re-added
    // under the same name is somebody else, and the old sessions are not theirs.
    const found = store.find(user.username).then((stored) => (stored?.sub === user.sub ? stored : undefined));
    const entry: Cached = { at: now(), user: found };
    found.then((stored) => (entry.settled = stored ?? null), () => undefined);
    cache.delete(user.sub);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(user.sub, entry);
    // A store that fails is asked again next time, not remembered as "no such user".
    void found.catch(() => cache.get(user.sub) === entry && cache.delete(user.sub));
    return found;
  }

  /** Whether `stored` (the user as the store has them) lets a session made at `iat` stand. */
  function standing(stored: LocalUser | undefined, iat: number): LocalUser | undefined {
    if (!stored || stored.disabled) return undefined;
    // Whole seconds on both sides: a session made in the very second of a password change or
    // a disable cannot be told apart from one made just after it, and stands.
    if (stored.sessionsValidFrom !== undefined && iat < stored.sessionsValidFrom) return undefined;
    return stored;
  }

  const check = async (session: { user: SiteUser; iat: number }, fresh: boolean) => {
    const cached = fresh ? undefined : cache.get(session.user.sub);
    return standing(await (cached && now() - cached.at < ttlMs ? cached.user : lookup(session.user)), session.iat);
  };
  return Object.assign(check, {
    known(session: { user: SiteUser; iat: number }): LocalUser | null | undefined {
      const cached = cache.get(session.user.sub);
      if (!cached || cached.settled === undefined || now() - cached.at >= ttlMs) return undefined;
      return standing(cached.settled ?? undefined, session.iat) ?? null;
    },
  });
}
