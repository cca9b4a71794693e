import type { SiteUser } from '../identity/types';

/** The API URL's reply body: exactly one of the two (ROCKETCHAT.md §1). */
export type RocketChatCredential = { loginToken: string } | { token: string };

/**
 * How the companion gets a Rocket.Chat credential for a user, chosen once at start by `TOKEN_MODE`.
 * `app`: a signed assertion to the App's `login` endpoint; `mongo`: `services.iframe.token` in Rocket.Chat's database.
 */
export interface TokenIssuer {
  readonly mode: 'app' | 'mongo';
  issue(user: SiteUser): Promise<RocketChatCredential>;
  /** Ends the user's Rocket.Chat logins (App `logout`, or unsetting the iframe token). */
  revoke(user: SiteUser): Promise<void>;
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
