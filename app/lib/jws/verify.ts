/**
 * Compact JWS (RFC 7515) parsing and signature verification with Node's crypto only.
 * Order matters: everything an attacker controls is parsed strictly before any key is
 * chosen, the key is chosen by algorithm *and* type, and the signature is checked over
 * the exact bytes received before the payload is read at all.
 */
import { createHmac, timingSafeEqual, verify as verifySignature } from 'crypto';
import { ALGORITHMS, Algorithm, MAX_ASSERTION_BYTES } from '../../contract/claims';
import { InvalidAssertion } from '../errors';
import { decodeBase64url, view } from './base64url';
import { PublicVerificationKey, VerificationKeys } from './keys';
import { JsonSyntaxError, parseStrictJson } from './strictJson';

export interface VerifyOptions {
  keys: VerificationKeys;
  /** Algorithms the operator allows (a key of the matching type must also exist). */
  algorithms: readonly Algorithm[];
}

interface ProtectedHeader {
  alg: Algorithm;
  kid?: string;
}

/**
 * Members a header may hold. Anything else (`crit`, `jku`, `jwk`, `x5u`, `x5c`, `b64`, ...)
 * could change how the token is verified, so it is refused rather than ignored.
 */
const HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);
const SIGNATURE_BYTES = 64;

function malformed(detail: string): never {
  throw new InvalidAssertion('malformed', detail);
}

function parseJsonSegment(bytes: Buffer, what: string): Record<string, unknown> {
  // Invalid UTF-8 decodes to U+FFFD and so does not survive the round trip. (Buffer only:
  // TextDecoder is not a global in every Apps-Engine runtime.)
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(view(bytes))) malformed(`${what} is not UTF-8`);
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError || error instanceof SyntaxError) malformed(`${what}: ${error.message}`);
    throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkHeader(header: Record<string, unknown>, options: VerifyOptions): ProtectedHeader {
  for (const name of Object.keys(header)) {
    if (!HEADER_MEMBERS.has(name)) malformed(`header member "${name.slice(0, 16)}" not accepted`);
  }
  const { alg, typ, kid } = header;
  if (typeof alg !== 'string' || !(ALGORITHMS as readonly string[]).includes(alg)) {
    throw new InvalidAssertion('alg_not_allowed', `alg ${typeof alg === 'string' ? alg.slice(0, 16) : typeof alg}`);
  }
  if (!options.algorithms.includes(alg as Algorithm)) throw new InvalidAssertion('alg_not_allowed', `alg ${alg} not configured`);
  if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) malformed('typ must be JWT');
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) malformed('kid must be a short string');
  return { alg: alg as Algorithm, kid: kid as string | undefined };
}

function verifyHmac(secret: Buffer, signingInput: Buffer, signature: Buffer): boolean {
  const expected = view(createHmac('sha256', view(secret)).update(view(signingInput)).digest());
  return signature.length === expected.length && timingSafeEqual(view(signature), expected);
}

function verifyPublic(entry: PublicVerificationKey, signingInput: Buffer, signature: Buffer): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  if (entry.alg === 'EdDSA') return verifySignature(null, view(signingInput), entry.key, view(signature));
  // JWS carries ES256 signatures as raw r||s, not DER.
  return verifySignature('sha256', view(signingInput), { key: entry.key, dsaEncoding: 'ieee-p1363' }, view(signature));
}

/** Keys of the token's algorithm; with a `kid`, only the key it names (by kid or thumbprint). */
function candidateKeys(header: ProtectedHeader, keys: VerificationKeys): PublicVerificationKey[] {
  if (header.kid === undefined) return keys.publicKeys.filter((entry) => entry.alg === header.alg);
  const named = keys.publicKeys.filter((entry) => entry.kid === header.kid || entry.thumbprint === header.kid);
  if (named.length === 0) throw new InvalidAssertion('unknown_key', 'kid');
  const fitting = named.filter((entry) => entry.alg === header.alg);
  if (fitting.length === 0) throw new InvalidAssertion('alg_not_allowed', `key ${header.kid.slice(0, 32)} is not an ${header.alg} key`);
  return fitting;
}

/** Verifies the token's signature and returns its payload as a JSON object (claims not yet checked). */
export function verifyCompactJws(token: string, options: VerifyOptions): Record<string, unknown> {
  if (token.length > MAX_ASSERTION_BYTES) throw new InvalidAssertion('too_large', `${token.length} bytes`);
  const segments = token.split('.');
  if (segments.length !== 3) malformed(`${segments.length} segments`);
  const [headerText, payloadText, signatureText] = segments as [string, string, string];
  const headerBytes = decodeBase64url(headerText);
  const payloadBytes = decodeBase64url(payloadText);
  const signature = decodeBase64url(signatureText);
  if (!headerBytes || !payloadBytes || !signature) malformed('not canonical base64url');
  if (headerBytes.length === 0 || payloadBytes.length === 0) malformed('empty segment');

  // The header is judged before the signature's presence, so `alg: none` is named as such.
  const header = checkHeader(parseJsonSegment(headerBytes, 'header'), options);
  if (signature.length === 0) throw new InvalidAssertion('bad_signature', 'empty signature');
  // The signature covers the received text itself, never a re-encoding of what was decoded.
  const signingInput = Buffer.from(`${headerText}.${payloadText}`, 'ascii');
  let valid: boolean;
  if (header.alg === 'HS256') {
    if (!options.keys.secret) throw new InvalidAssertion('alg_not_allowed', 'no HS256 secret');
    if (header.kid !== undefined && options.keys.publicKeys.some((entry) => entry.kid === header.kid || entry.thumbprint === header.kid)) {
      throw new InvalidAssertion('alg_not_allowed', 'kid names a public key');
    }
    valid = verifyHmac(options.keys.secret, signingInput, signature);
  } else {
    valid = candidateKeys(header, options.keys).some((entry) => verifyPublic(entry, signingInput, signature));
  }
  if (!valid) throw new InvalidAssertion('bad_signature', header.alg);
  return parseJsonSegment(payloadBytes, 'payload');
}
