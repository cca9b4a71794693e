/**
 * The verification keys an operator configures: one HS256 shared secret and any number
 * of public keys (PEM blocks or JWKs), so a new key can be added before the old one is
 * removed. Each key is bound to the one algorithm its type allows, at load time.
 */
import { createHash, createPublicKey, JsonWebKey, KeyObject } from 'crypto';
import type { Algorithm } from '../../contract/claims';
import { SECRET_HINT, SECRET_MIN_BYTES, secretWeakness } from '../../contract/secrets';

export interface PublicVerificationKey {
  alg: 'EdDSA' | 'ES256';
  key: KeyObject;
  /** The JWK's own `kid`, if it has one. */
  kid?: string;
  /** RFC 7638 thumbprint: the `kid` of a PEM key, and an alias of every key. */
  thumbprint: string;
}

export interface VerificationKeys {
  secret?: Buffer;
  publicKeys: PublicVerificationKey[];
}

/** A configured key is unusable; the message names the problem, never key material. */
export class KeyConfigError extends Error {}

export const MAX_PUBLIC_KEYS = 16;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash. */
export const MIN_SECRET_BYTES = SECRET_MIN_BYTES;

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----/g;

function algorithmOf(key: KeyObject): 'EdDSA' | 'ES256' {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new KeyConfigError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use Ed25519 or P-256)`);
}

/** RFC 7638: SHA-256 over the required members in lexicographic order. */
function thumbprintOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const members = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function fromJwk(jwk: unknown): PublicVerificationKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new KeyConfigError('a JWK must be a JSON object');
  const fields = jwk as Record<string, unknown>;
  if ('d' in fields || fields.kty === 'oct') throw new KeyConfigError('a private or symmetric JWK was given: configure public keys only');
  if (fields.use !== undefined && fields.use !== 'sig') throw new KeyConfigError('JWK "use" must be "sig"');
  if (fields.kid !== undefined && (typeof fields.kid !== 'string' || fields.kid.length === 0 || fields.kid.length > 256)) {
    throw new KeyConfigError('JWK "kid" must be a non-empty string');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: fields as JsonWebKey, format: 'jwk' });
  } catch {
    throw new KeyConfigError('a JWK could not be read');
  }
  const alg = algorithmOf(key);
  if (fields.alg !== undefined && fields.alg !== alg) throw new KeyConfigError(`JWK "alg" ${String(fields.alg)} does not fit its key type (${alg})`);
  return { alg, key, kid: fields.kid as string | undefined, thumbprint: thumbprintOf(key) };
}

function fromPem(pem: string): PublicVerificationKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyConfigError('a PEM public key could not be read');
  }
  return { alg: algorithmOf(key), key, thumbprint: thumbprintOf(key) };
}

/** Accepts a JWK, a JSON array of JWKs, a JWKS `{"keys": [...]}`, or concatenated PEM blocks. */
export function parsePublicKeys(text: string): PublicVerificationKey[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let keys: PublicVerificationKey[];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new KeyConfigError('public keys: not valid JSON');
    }
    const list = Array.isArray(parsed) ? parsed : Array.isArray((parsed as { keys?: unknown }).keys) ? (parsed as { keys: unknown[] }).keys : [parsed];
    keys = list.map(fromJwk);
  } else {
    const blocks = trimmed.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0 || trimmed.replace(PEM_BLOCK, '').trim() !== '') {
      throw new KeyConfigError('public keys: expected "-----BEGIN PUBLIC KEY-----" blocks and nothing else');
    }
    keys = blocks.map(fromPem);
  }
  if (keys.length > MAX_PUBLIC_KEYS) throw new KeyConfigError(`public keys: at most ${MAX_PUBLIC_KEYS}`);
  const kids = keys.flatMap((entry) => (entry.kid ? [entry.kid] : []));
  if (new Set(kids).size !== kids.length) throw new KeyConfigError('public keys: two keys share a kid');
  return keys;
}

/**
 * An HS256 secret setting (assertion_secret, backchannel_secret): empty is unset; too short, a
 * placeholder or too little variety is refused (app/contract/secrets.ts), the message saying how
 * to make a good one and never holding the value.
 */
export function parseSecret(text: string): Buffer | undefined {
  if (text === '') return undefined;
  const secret = Buffer.from(text, 'utf8');
  if (secret.length < MIN_SECRET_BYTES) throw new KeyConfigError(`the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes; ${SECRET_HINT}`);
  const weakness = secretWeakness(text);
  if (weakness) throw new KeyConfigError(`the HS256 secret ${weakness}; ${SECRET_HINT}`);
  return secret;
}

/** An algorithm can be used only when it is allowed and a key of its type is configured. */
export function usableAlgorithms(allowed: readonly Algorithm[], keys: VerificationKeys): Algorithm[] {
  return allowed.filter((alg) => (alg === 'HS256' ? keys.secret !== undefined : keys.publicKeys.some((entry) => entry.alg === alg)));
}
