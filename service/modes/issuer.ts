import type { SiteUser } from '../identity/types';

/** The API URL's reply body: exactly one of the two (docs/rocketchat.md). */
export type RocketChatCredential = { loginToken: string } | { token: string };

/** What `issue` answers: the credential and, when the issuer knows it (the App says), whose it is. */
export type IssuedCredential = RocketChatCredential & { userId?: string };

/** The Rocket.Chat login a session holds: whose token, and when Rocket.Chat last confirmed it (password mode rechecks by age). */
export interface RocketChatLogin {
  userId: string;
  /** Epoch seconds. */
  checkedAt: number;
}

/** What a session holds that an issuer may need (password mode logs out with the user's own token). */
export interface HeldLogin {
  credential?: RocketChatCredential;
  rocketChat?: RocketChatLogin;
}

/**
 * How the companion gets a Rocket.Chat credential for a user, chosen once at start by `TOKEN_MODE`.
 * `app`: a signed assertion to the App's `login` endpoint; `mongo`: `services.iframe.token` in Rocket.Chat's database;
 * `password`: the user's own password on our form (modes/password/login.ts) — `issue` then always says `denied`.
 */
export interface TokenIssuer {
  readonly mode: 'app' | 'mongo' | 'password';
  issue(user: SiteUser): Promise<IssuedCredential>;
  /** Ends the user's Rocket.Chat logins (App `logout`, unsetting the iframe token, or `/api/v1/logout` with `held`). */
  revoke(user: SiteUser, held?: HeldLogin): Promise<void>;
  /**
   * Password mode: may the held token still be handed out? The login again (maybe with a
   * fresh `checkedAt`), or `undefined` when Rocket.Chat no longer accepts it.
   */
  recheck?(held: HeldLogin, context?: { client?: string }): Promise<RocketChatLogin | undefined>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** Why a credential could not be had; the API URL answers 401 for `denied`, 503 for `unavailable`. */
export class TokenError extends Error {
  constructor(
    readonly kind: 'denied' | 'unavailable',
    /** A short machine code for logs (the App's `reason`, or a local one). Never a secret. */
    readonly reason: string,
  ) {
    super(`${kind}: ${reason}`);
    this.name = 'TokenError';
  }
}
