/**
 * `IDENTITY_SOURCE=jwt-cookie`: the site sets a signed JWT in a cookie on a parent domain the
 * companion shares (e.g. `.example.com`); a valid one names the user, anything else is nobody.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { DEFAULT_CLOCK_SKEW_SECONDS, MAX_ASSERTION_BYTES } from '../../app/contract/claims';
import { networkCode, NotReady, urlForDisplay } from '../readiness';
import { siteUserFrom, type FieldMap, type IdentityLog } from './site-user';
import type { IdentitySource, RequestCredentials, SiteSession } from './types';

export interface JwtCookieIdentityOptions {
  cookieName: string;
  jwksUrl?: string;
  /** A PEM (SPKI or certificate) or JWK public key, or an HS* shared secret. */
  key?: string;
  issuer: string;
  audience: string;
  algorithms: string[];
  fieldMap: FieldMap;
  log?: IdentityLog;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** RFC 7518 §3.2: an HS256 key shorter than the hash is guessable offline from one cookie. */
const MIN_SECRET_BYTES = 32;
const JWKS_TIMEOUT_MS = 3000;

/** Refuses at start what could never verify safely (none, mixed key kinds, private keys). */
function checkAlgorithms(options: JwtCookieIdentityOptions): void {
  if (options.algorithms.length === 0) throw new Error('jwt-cookie: no algorithms allowed');
  for (const alg of options.algorithms) {
    if (!HMAC.includes(alg) && !ASYMMETRIC.includes(alg)) throw new Error(`jwt-cookie: algorithm ${alg} is not allowed`);
  }
  if (options.jwksUrl && options.key) throw new Error('jwt-cookie: give a JWKS URL or a key, not both');
  if (!options.jwksUrl && !options.key) throw new Error('jwt-cookie: a JWKS URL or a key is required');
}

function isPem(key: string): boolean {
  return key.trimStart().startsWith('-----BEGIN');
}

function verificationKey(options: JwtCookieIdentityOptions): KeyObject | Uint8Array | JWTVerifyGetKey {
  const hmac = options.algorithms.filter((alg) => HMAC.includes(alg));
  if (options.jwksUrl) {
    // Public keys only: an HS* alg with a JWKS would let a published "oct" key forge tokens.
    if (hmac.length > 0) throw new Error('jwt-cookie: HS* algorithms cannot be used with a JWKS URL');
    return createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS });
  }
  const key = (options.key ?? '').trim();
  if (isPem(key) || key.startsWith('{')) {
    if (/PRIVATE KEY/.test(key) || (key.startsWith('{') && /"d"\s*:/.test(key))) {
      throw new Error('jwt-cookie: the key must be the PUBLIC key (a private key was given)');
    }
    if (hmac.length > 0) throw new Error('jwt-cookie: HS* algorithms need a shared secret, not a public key');
    return isPem(key) ? createPublicKey(key) : createPublicKey({ key: JSON.parse(key) as JsonWebKey, format: 'jwk' });
  }
  // Otherwise a shared secret: only HS* can use it (else a public-key alg would meet a secret).
  if (hmac.length !== options.algorithms.length) throw new Error('jwt-cookie: a shared secret works only with HS* algorithms');
  const secret = new TextEncoder().encode(key);
  if (secret.byteLength < MIN_SECRET_BYTES) throw new Error(`jwt-cookie: the shared secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return secret;
}

/** The named cookie's value from a Cookie header; the first one wins, as browsers order them. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

export function createJwtCookieIdentity(options: JwtCookieIdentityOptions): IdentitySource {
  /** The URL as /readyz may show it: no credentials, no query. */
  const where = options.jwksUrl ? urlForDisplay(options.jwksUrl) : '';
  checkAlgorithms(options);
  const key = verificationKey(options);
  const rules = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms,
    requiredClaims: ['exp'],
    clockTolerance: DEFAULT_CLOCK_SKEW_SECONDS,
  };

  function nobody(problem: string, quiet = false): undefined {
    const details = { identity: 'jwt-cookie', problem };
    // An expired cookie is an everyday event, not something to warn about.
    if (quiet) options.log?.debug?.(details, 'jwt cookie: nobody');
    else options.log?.warn(details, 'jwt cookie: nobody');
    return undefined;
  }

  async function sessionFromRequest(credentials: RequestCredentials): Promise<SiteSession | undefined> {
    const token = readCookie(credentials.cookie, options.cookieName);
    if (!token) return undefined;
    if (token.length > MAX_ASSERTION_BYTES) return nobody('too_large');
    let payload: unknown;
    try {
      const verified = typeof key === 'function' ? await jwtVerify(token, key, rules) : await jwtVerify(token, key, rules);
      payload = verified.payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) return nobody(error.code, true);
      return nobody(error instanceof errors.JOSEError ? error.code : 'verify_failed');
    }
    const result = siteUserFrom(payload, options.fieldMap);
    if (!result.ok) return nobody(result.problem);
    // `iat` is optional in a JWT; without it the session's age is unknown (a Rocket.Chat logout then treats it as older).
    const { iat } = payload as { iat?: unknown };
    return typeof iat === 'number' && Number.isFinite(iat) ? { user: result.user, issuedAt: iat } : { user: result.user };
  }

  return {
    kind: 'jwt-cookie',
    fromRequest: async (credentials) => (await sessionFromRequest(credentials))?.user,
    sessionFromRequest,
    async ready() {
      if (!options.jwksUrl) return true;
      try {
        const response = await fetch(options.jwksUrl, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
        if (!response.ok) throw new NotReady(`JWT_COOKIE_JWKS_URL ${where} answered HTTP ${response.status}`);
        const body = (await response.json()) as { keys?: unknown };
        if (!Array.isArray(body.keys)) throw new NotReady(`JWT_COOKIE_JWKS_URL ${where} holds no keys`);
        return true;
      } catch (error) {
        throw error instanceof NotReady ? error : new NotReady(`JWT_COOKIE_JWKS_URL ${where} is unreachable (${networkCode(error)})`);
      }
    },
    close: async () => undefined,
  };
}
