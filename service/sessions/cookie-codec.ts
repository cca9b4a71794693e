/**
 * The session cookie's value: a JWE (`dir` + `A256GCM`) so replicas need no shared store
 * and the browser can neither read nor change what it holds (the held Rocket.Chat token).
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { SiteUser } from '../identity/types';
import type { RocketChatCredential, RocketChatLogin } from '../modes/issuer';

export interface Session {
  sid: string;
  user: SiteUser;
  /** The Rocket.Chat credential last issued for this session: the API URL's fast path. */
  credential?: RocketChatCredential;
  /** Password mode: the Rocket.Chat user the held token belongs to, needed to check and end it. */
  rocketChat?: RocketChatLogin;
  iat: number;
  exp: number;
}

export interface SessionCodec {
  encode(session: Session): Promise<string>;
  /** `undefined` for anything that does not decrypt, is expired, or is not a session. */
  decode(value: string): Promise<Session | undefined>;
  /**
   * `decode` without waiting, for a value decoded before and still cached: its unexpired
   * session, else `undefined` (not known, or expired: `decode` tells).
   */
  known(value: string): Session | undefined;
}

/** A separate key per purpose, so the session key is never the CSRF key. */
export function deriveKey(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'rocketchat-iframe-auth-bridge', purpose, 32));
}

export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Decrypting the cookie was the largest single cost of the API URL's fast path. The same cookie
 * string always decrypts to the same session (authenticated encryption), so decoded sessions are
 * kept by their exact cookie value — bounded, oldest out first. Expiry and revocation are still
 * checked on every use; cached sessions are frozen so no caller can change them.
 *
 * Looked up by the value's last 22 characters (the JWE's authentication tag, 128 bits), then
 * compared in full: hashing the whole value (hundreds of characters, a new string each request)
 * cost more than the rest of the lookup. Another value with the same tag is simply not found.
 */
const DECODED_CACHE_SIZE = 10_000;
const TAG_CHARS = 22;

export function createSessionCodec(secret: string): SessionCodec {
  const key = deriveKey(secret, 'session cookie v1');
  const decoded = new Map<string, { value: string; session: Session }>();
  const cached = (value: string): Session | undefined => {
    const entry = decoded.get(value.slice(-TAG_CHARS));
    return entry !== undefined && entry.value === value ? entry.session : undefined;
  };
  const remember = (value: string, session: Session): Session => {
    if (decoded.size >= DECODED_CACHE_SIZE) decoded.delete(decoded.keys().next().value as string);
    decoded.set(value.slice(-TAG_CHARS), { value, session: Object.freeze(session) });
    return session;
  };
  return {
    async encode(session) {
      const { iat, exp, ...rest } = session;
      return new EncryptJWT({ ...rest })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .encrypt(key);
    },
    known(value) {
      const session = cached(value);
      return session !== undefined && session.exp > Date.now() / 1000 ? session : undefined;
    },
    async decode(value) {
      const known = cached(value);
      if (known) {
        if (known.exp > Date.now() / 1000) return known;
        decoded.delete(value.slice(-TAG_CHARS));
        return undefined;
      }
      try {
        const { payload } = await jwtDecrypt(value, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
        if (typeof payload.sid !== 'string' || typeof payload.user !== 'object' || payload.user === null) return undefined;
        if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return undefined;
        return remember(value, payload as unknown as Session);
      } catch {
        return undefined;
      }
    },
  };
}
