/**
 * The back-channel logout token (app/contract/backchannel.ts): the App speaks for
 * Rocket.Chat, so it is the issuer `assertion_audience` and addresses the companion, the
 * issuer of the assertions. Short-lived and single use (random `jti`).
 */
import { randomBytes } from 'crypto';
import { BACKCHANNEL_LOGOUT_EVENT, BACKCHANNEL_MAX_LIFETIME_SECONDS, BACKCHANNEL_TOKEN_TYPE, BackchannelLogoutClaims } from '../../contract/backchannel';
import { signHs256 } from '../jws/sign';

export interface LogoutTokenInput {
  /** The App's `assertion_audience`. */
  issuer: string;
  /** The App's `assertion_issuer` (the companion). */
  audience: string;
  /** The user's id at the site. */
  sub: string;
  secret: Buffer;
  /** Seconds since the epoch. */
  now: number;
}

export function logoutTokenClaims(input: Omit<LogoutTokenInput, 'secret'>): BackchannelLogoutClaims {
  return {
    iss: input.issuer,
    aud: input.audience,
    sub: input.sub,
    iat: input.now,
    exp: input.now + BACKCHANNEL_MAX_LIFETIME_SECONDS,
    jti: randomBytes(16).toString('base64url'),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
}

export function makeLogoutToken(input: LogoutTokenInput): string {
  return signHs256({ typ: BACKCHANNEL_TOKEN_TYPE }, logoutTokenClaims(input), input.secret);
}
