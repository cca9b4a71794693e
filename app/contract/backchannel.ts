/**
 * Back-channel logout: a signed, single-use message that ends a user's site sessions
 * at the companion — sent by the App when the user logs out of Rocket.Chat, or by the site's own
 * backend. Shaped after OpenID Connect Back-Channel Logout 1.0's logout token.
 * Imported by the App and by the companion; no imports here.
 */

/** The companion's route: `POST` with a JSON body `{"logout_token": "<compact JWS>"}`. */
export const BACKCHANNEL_LOGOUT_PATH = '/backchannel/logout';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Signed with HS256 under the shared back-channel secret (App `backchannel_secret`, companion `BACKCHANNEL_SECRET`). */
export const BACKCHANNEL_ALGORITHM = 'HS256';
export const BACKCHANNEL_MAX_LIFETIME_SECONDS = 60;
/** The JWS header `typ` the App sends (OIDC Back-Channel Logout's explicit type), so a logout token cannot pass for a login assertion. */
export const BACKCHANNEL_TOKEN_TYPE = 'logout+jwt';

export interface BackchannelLogoutClaims {
  /** Who sends it: the App uses its `assertion_audience` (Rocket.Chat's side of the assertions). */
  iss: string;
  /** Who it is for: the companion, i.e. the App's `assertion_issuer`. */
  aud: string;
  iat: number;
  exp: number;
  /** Single use: the companion accepts each value once. */
  jti: string;
  /** The user's stable id at the site (the assertions' `sub`). */
  sub: string;
  events: { [BACKCHANNEL_LOGOUT_EVENT]: Record<string, never> };
}

/** The companion's answers: 200 `{"loggedOut": true}`; 400 `{"error": "invalid_request"}`; 401 `{"error": "invalid_token"}`. */
export interface BackchannelLogoutReply {
  loggedOut: true;
}
