/**
 * The session cookie's value: a JWE (`dir` + `A256GCM`) so replicas need no shared store
 * and the browser can neither read nor change what it holds (the held Rocket.Chat token).
 */
import { createCipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import { jwtDecrypt } from 'jose';
import type { SiteUser } from '../identity/types';
import { randomBytesFromPool } from '../tokens/random';
import type { RocketChatCredential, RocketChatLogin } from '../tokens/types';

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
 */
const DECODED_CACHE_SIZE = 10_000;

const JWE_HEADER = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' })).toString('base64url');
const JWE_AAD = new TextEncoder().encode(JWE_HEADER);
const base64url = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

export function createSessionCodec(secret: string): SessionCodec {
  const key = deriveKey(secret, 'session cookie v1');
  const cipherKey = createSecretKey(key);
  const decoded = new Map<string, Session>();
  const remember = (value: string, session: Session): Session => {
    if (decoded.size >= DECODED_CACHE_SIZE) decoded.delete(decoded.keys().next().value as string);
    decoded.set(value, Object.freeze(session));
    return session;
  };
  return {
    // The compact JWE jose's EncryptJWT makes (RFC 7516: `dir` leaves the key part empty, the
    // encoded header is the AAD), built with node:crypto directly: a login re-writes the cookie
    // on the hot path.
    async encode(session) {
      const { iat, exp, ...rest } = session;
      const plaintext = JSON.stringify({ ...rest, iat, exp });
      const iv = randomBytesFromPool(12);
      const cipher = createCipheriv('aes-256-gcm', cipherKey, iv, { authTagLength: 16 }).setAAD(JWE_AAD);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()] as unknown as Uint8Array[]);
      return `${JWE_HEADER}..${base64url(iv)}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    },
    async decode(value) {
      const known = decoded.get(value);
      if (known) {
        if (known.exp > Date.now() / 1000) return known;
        decoded.delete(value);
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
