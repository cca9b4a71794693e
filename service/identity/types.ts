import type { AssertionClaims } from '../../app/contract/claims';

/**
 * Who the user is at the site: exactly the user claims the companion signs into an assertion
 * (the contract's, so the two cannot drift apart).
 */
export type SiteUser = Pick<AssertionClaims, 'sub' | 'username' | 'email' | 'email_verified' | 'name' | 'roles' | 'avatar_url'>;

/** Just what an identity source may read from a browser's request. */
export interface RequestCredentials {
  cookie?: string;
  authorization?: string;
}

/** A site session as read from a request: who, and when the site issued it if the source knows. */
export interface SiteSession {
  user: SiteUser;
  /** Seconds since the epoch (a JWT's `iat`); `undefined` when the site does not say. */
  issuedAt?: number;
}

/**
 * One way of knowing who the browser's user is, chosen by `IDENTITY_SOURCE`.
 * `local` checks passwords on the companion's own login form; `forward` and `jwt-cookie`
 * read the site's existing session from the request.
 */
export interface IdentitySource {
  /** `rocketchat` (password mode): Rocket.Chat is the directory, its login is the check (identity/rocketchat.ts). */
  readonly kind: 'local' | 'forward' | 'jwt-cookie' | 'rocketchat';
  /** The site's own session, for sources that read one; `undefined` means nobody. */
  fromRequest?(credentials: RequestCredentials): Promise<SiteUser | undefined>;
  /**
   * `fromRequest` with the site session's issue time, for sources that can tell (jwt-cookie), so a
   * site session that predates a Rocket.Chat logout is told apart from a fresh one (flow/site-session.ts).
   */
  sessionFromRequest?(credentials: RequestCredentials): Promise<SiteSession | undefined>;
  /** A username (or email) and password from the login form; `undefined` means refused. */
  verifyPassword?(login: string, password: string): Promise<SiteUser | undefined>;
  /**
   * One key per account for whatever the user typed (username or email, any case), so the
   * lockout counts every spelling of an account together; `undefined` for nobody known.
   */
  accountKey?(login: string): Promise<string | undefined>;
  /**
   * `local`: whether a companion session of `session.user`, made at `session.iat`, still stands:
   * the user's current claims, or `undefined` once the user was removed, disabled or changed
   * password since. Without `fresh` the answer may be up to STANDING_CACHE_SECONDS old (the API
   * URL's fast path); anything that mints a new Rocket.Chat credential asks `fresh`.
   */
  confirm?(session: { user: SiteUser; iat: number }, options: { fresh: boolean }): Promise<SiteUser | undefined>;
  /**
   * `confirm` without `fresh`, without waiting, from what is already known (the standing cache):
   * the user's claims, `null` when the session no longer stands, `undefined` when only `confirm` can tell.
   */
  confirmKnown?(session: { user: SiteUser; iat: number }): SiteUser | null | undefined;
  /** Whether what the source depends on answers (for /readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
