/**
 * Sessions are stateless (an encrypted cookie), so logging out needs a shared list of
 * ended sessions: every replica checks it. Entries expire with the sessions they end.
 */
export interface SessionStamp {
  /** The session's user at the site. */
  sub: string;
  /** When the session was made (seconds since the epoch). */
  iat: number;
}

/** What else a subject-level revocation says. */
export interface SubjectRevocationOptions {
  /**
   * The user logged out of Rocket.Chat (a back-channel logout from the App): besides
   * ending the sessions made before the bound, the mark bars *new* sessions started from a site
   * session that predates it (read back with `rocketChatLogoutAt`).
   */
  rocketChatLogout?: boolean;
}

export interface RevocationList {
  /**
   * Ends session `sid` until `untilEpochSeconds` (the session's own expiry). A bounded list that
   * cannot hold one more session id may end it through `stamp` instead (every session of
   * `stamp.sub` made up to `stamp.iat`, like `revokeSubject`); no list forgets an earlier
   * revocation to make room: when it cannot hold this one it rejects (the logout fails, 503).
   */
  revoke(sid: string, untilEpochSeconds: number, stamp?: SessionStamp): Promise<void>;
  /**
   * Ends every session of `sub` made before `beforeEpochSeconds` (a back-channel logout knows
   * the user, not their cookies). Kept until `untilEpochSeconds`: by then every such session
   * has expired on its own. Repeating it keeps the later of each bound; a Rocket.Chat-logout mark,
   * once set, stays until the entry expires. Rejects, like `revoke`, when it cannot be held.
   */
  revokeSubject(sub: string, beforeEpochSeconds: number, untilEpochSeconds: number, options?: SubjectRevocationOptions): Promise<void>;
  /**
   * The bound of `sub`'s latest Rocket.Chat logout while its mark stands (seconds since the
   * epoch; a site session or companion session issued before it predates the logout), or
   * `undefined` when none stands. Logouts from the site's backend or from `/logout` leave no such mark.
   */
  rocketChatLogoutAt(sub: string): Promise<number | undefined>;
  /** Ended by id, or — when `stamp` is given — by a subject-level revocation newer than it. */
  isRevoked(sid: string, stamp?: SessionStamp): Promise<boolean>;
  /**
   * `isRevoked` answered without waiting, by lists held in memory (the memory list, the mirror
   * of the shared one); it throws where `isRevoked` would reject. Lists that must ask a database
   * have none.
   */
  isRevokedNow?(sid: string, stamp?: SessionStamp): boolean;
  /**
   * Single-use ids (back-channel `jti`s): true the first time `id` is seen, false after,
   * until `untilEpochSeconds`. Shared like the rest, so a replay to another replica fails too.
   * Rejects, rather than forget a used id, when it cannot be held.
   */
  firstUse(id: string, untilEpochSeconds: number): Promise<boolean>;
  /** Whether the list answers (for /readyz): logouts and session checks depend on it. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** One session or subject entry of a shared list, as a mirror of it holds it (times in ms since the epoch). */
export type RevocationChange =
  | { kind: 'session'; key: string; untilMs: number }
  | { kind: 'subject'; key: string; untilMs: number; beforeMs: number };

/** A list every replica shares (MongoDB), which a replica can mirror in memory. */
export interface SharedRevocationList extends RevocationList {
  /**
   * The live session and subject entries, or — with `sinceMs` — those written after it (by the
   * writer's clock). Single-use ids are not included: `firstUse` always asks the list itself.
   */
  changes(sinceMs?: number): Promise<RevocationChange[]>;
}
