/**
 * Verifies a back-channel logout token (OpenID Connect Back-Channel Logout 1.0's shape, HS256
 * under BACKCHANNEL_SECRET). Parse strictly, then trust: the caller gets the claims it acts on,
 * or a short reason for the log — never the token.
 */
import { errors, jwtVerify, type JWTPayload } from 'jose';
import {
  BACKCHANNEL_ALGORITHM,
  BACKCHANNEL_LOGOUT_EVENT,
  BACKCHANNEL_MAX_LIFETIME_SECONDS,
  BACKCHANNEL_TOKEN_TYPE,
} from '../../app/contract/backchannel';
import { DEFAULT_CLOCK_SKEW_SECONDS, EMAIL_PATTERN, USERNAME_PATTERN } from '../../app/contract/claims';
import type { SiteUser } from '../identity/types';

export interface LogoutTokenRules {
  secret: Uint8Array;
  /** Every issuer accepted (the App's, and the site's when configured). */
  issuers: string[];
  audience: string;
  /** Seconds since the epoch. */
  now: () => number;
}

export interface LogoutClaims {
  iss: string;
  sub: string;
  jti: string;
  exp: number;
  /** The profile a site's backend may add, so its logout can reach Rocket.Chat (the App finds users by it). */
  profile?: SiteUser;
}

export type LogoutCheck = { ok: true; claims: LogoutClaims } | { ok: false; reason: string };

const fail = (reason: string): LogoutCheck => ({ ok: false, reason });
const isShortString = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** `typ` is optional in the spec; when present it must say logout token, so a login assertion (`JWT`) cannot pass for one. */
function typeAllowed(typ: string | undefined): boolean {
  if (typ === undefined) return true;
  const lower = typ.toLowerCase();
  return lower === BACKCHANNEL_TOKEN_TYPE || lower === `application/${BACKCHANNEL_TOKEN_TYPE}`;
}

function profileOf(payload: JWTPayload, sub: string): SiteUser | undefined {
  const { username, email, email_verified: verified, name } = payload as Record<string, unknown>;
  if (typeof username !== 'string' || !USERNAME_PATTERN.test(username)) return undefined;
  if (typeof email !== 'string' || !EMAIL_PATTERN.test(email)) return undefined;
  return { sub, username, email, email_verified: verified === true, name: isShortString(name, 120) ? name : username };
}

function checkPayload(payload: JWTPayload, now: number): LogoutCheck {
  const { iss, sub, jti, iat, exp } = payload;
  if (typeof iss !== 'string' || !isShortString(sub, 320) || !isShortString(jti, 256)) return fail('missing_claim');
  if (typeof iat !== 'number' || typeof exp !== 'number') return fail('missing_claim');
  if (exp <= iat || exp - iat > BACKCHANNEL_MAX_LIFETIME_SECONDS) return fail('lifetime_too_long');
  // jose checks iat only against a maximum age. A token dated ahead is pre-signed or from a skewed clock: refuse it, as the App refuses such assertions.
  if (iat > now + DEFAULT_CLOCK_SKEW_SECONDS) return fail('issued_in_future');
  const events = (payload as { events?: unknown }).events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) return fail('missing_events');
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return fail('missing_events');
  // The spec forbids a nonce, so an ID token can never be replayed as a logout token.
  if ('nonce' in payload) return fail('bad_claim');
  return { ok: true, claims: { iss, sub, jti, exp, profile: profileOf(payload, sub) } };
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `bad_${error.claim}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg_not_allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  return 'malformed';
}

export async function verifyLogoutToken(token: string, rules: LogoutTokenRules): Promise<LogoutCheck> {
  let payload: JWTPayload;
  try {
    const verified = await jwtVerify(token, rules.secret, {
      algorithms: [BACKCHANNEL_ALGORITHM],
      issuer: rules.issuers,
      audience: rules.audience,
      requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'sub'],
      clockTolerance: DEFAULT_CLOCK_SKEW_SECONDS,
      currentDate: new Date(rules.now() * 1000),
    });
    if (!typeAllowed(verified.protectedHeader.typ)) return fail('wrong_type');
    payload = verified.payload;
  } catch (error) {
    return fail(reasonOf(error));
  }
  return checkPayload(payload, rules.now());
}
