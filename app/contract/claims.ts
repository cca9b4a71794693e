/**
 * The login assertion: its claims and the rules both sides apply to them.
 *
 * The companion signs assertions that pass these rules; the App refuses any that do not.
 * This file is imported by the App at run time, so it must not import anything at all.
 */

export const ALGORITHMS = ['HS256', 'EdDSA', 'ES256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const DEFAULT_MAX_LIFETIME_SECONDS = 60;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** An assertion is a few hundred bytes; anything near this is an attack, not a login. */
export const MAX_ASSERTION_BYTES = 8192;

/** Rocket.Chat's default username rule (`UTF8_User_Names_Validation`), with a length bound. */
export const USERNAME_PATTERN = /^[0-9A-Za-z._-]{1,64}$/;
/** One `@`, no spaces or angle brackets, a dotted domain: `a@b.com@evil` is not an address. */
export const EMAIL_PATTERN = /^[^\s@<>()",;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;
export const ROLE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const MAX_ROLES = 32;

export interface AssertionClaims {
  iss: string;
  aud: string;
  /** Stable id of the user at the site. */
  sub: string;
  iat: number;
  exp: number;
  nbf?: number;
  /** Unique per assertion; the App accepts each value once. */
  jti: string;
  username: string;
  email: string;
  email_verified: boolean;
  name: string;
  roles?: string[];
  avatar_url?: string;
}

/** The short machine codes of a rejected assertion (the contract's `reason`). */
export type InvalidReason =
  | 'malformed'
  | 'too_large'
  | 'alg_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'missing_claim'
  | 'bad_claim'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'lifetime_too_long'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'replayed';

export interface ClaimRules {
  issuer: string;
  audience: string;
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
  /** Seconds since the epoch. */
  now: number;
}

export type ClaimCheck = { ok: true; claims: AssertionClaims } | { ok: false; reason: InvalidReason; detail: string };

const REQUIRED_STRINGS = ['iss', 'aud', 'sub', 'jti', 'username', 'email', 'name'] as const;
const REQUIRED_NUMBERS = ['iat', 'exp'] as const;

function fail(reason: InvalidReason, detail: string): ClaimCheck {
  return { ok: false, reason, detail };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Shape and content of each claim, before any time or audience rule. */
function checkShape(payload: Record<string, unknown>): ClaimCheck | undefined {
  for (const name of [...REQUIRED_STRINGS, ...REQUIRED_NUMBERS, 'email_verified']) {
    if (!(name in payload)) return fail('missing_claim', name);
  }
  for (const name of REQUIRED_STRINGS) {
    const value = payload[name];
    if (typeof value !== 'string' || value.length === 0 || value.length > 320) return fail('bad_claim', name);
  }
  for (const name of REQUIRED_NUMBERS) {
    if (!isNumericDate(payload[name])) return fail('bad_claim', name);
  }
  if ('nbf' in payload && !isNumericDate(payload.nbf)) return fail('bad_claim', 'nbf');
  if (typeof payload.email_verified !== 'boolean') return fail('bad_claim', 'email_verified');
  if (!USERNAME_PATTERN.test(payload.username as string)) return fail('bad_claim', 'username');
  if (!EMAIL_PATTERN.test(payload.email as string)) return fail('bad_claim', 'email');
  if ((payload.name as string).length > 120 || /[\u0000-\u001f\u007f]/.test(payload.name as string)) {
    return fail('bad_claim', 'name');
  }
  if ('roles' in payload) {
    const roles = payload.roles;
    if (!Array.isArray(roles) || roles.length > MAX_ROLES) return fail('bad_claim', 'roles');
    if (!roles.every((role) => typeof role === 'string' && ROLE_PATTERN.test(role))) return fail('bad_claim', 'roles');
  }
  if ('avatar_url' in payload) {
    const url = payload.avatar_url;
    if (typeof url !== 'string' || url.length > 2048 || !/^https:\/\/[^\s]+$/.test(url)) return fail('bad_claim', 'avatar_url');
  }
  return undefined;
}

/**
 * Checks a decoded payload against the contract and the rules.
 * Time rules follow RFC 7519 with `clockSkewSeconds` of leeway; lifetime is `exp - iat`.
 */
export function checkClaims(payload: unknown, rules: ClaimRules): ClaimCheck {
  if (!isPlainObject(payload)) return fail('malformed', 'payload is not a JSON object');
  const shapeProblem = checkShape(payload);
  if (shapeProblem) return shapeProblem;
  const claims = payload as unknown as AssertionClaims;

  const { now, clockSkewSeconds: skew } = rules;
  if (claims.exp <= claims.iat) return fail('bad_claim', 'exp');
  if (claims.exp - claims.iat > rules.maxLifetimeSeconds) return fail('lifetime_too_long', `${claims.exp - claims.iat}s`);
  if (claims.iat > now + skew) return fail('issued_in_future', 'iat');
  if (claims.nbf !== undefined && claims.nbf > now + skew) return fail('not_yet_valid', 'nbf');
  if (claims.exp <= now - skew) return fail('expired', 'exp');
  if (claims.iss !== rules.issuer) return fail('wrong_issuer', 'iss');
  if (claims.aud !== rules.audience) return fail('wrong_audience', 'aud');
  return { ok: true, claims };
}

/** The part of an email address after the last `@`, lower-cased. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}
