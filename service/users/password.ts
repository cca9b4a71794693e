/** scrypt password hashes in the `scrypt$N$r$p$<salt>$<hash>` form LocalUser stores. */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Uint8Array, keyLength: number, options: ScryptOptions): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.length))));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = new Uint8Array(randomBytes(16));
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${Buffer.from(salt).toString('base64')}$${Buffer.from(key).toString('base64')}`;
}

/** Constant-time; a malformed stored hash simply never matches. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0) || n > 1 << 20) return false;
  const salt = new Uint8Array(Buffer.from(parts[4], 'base64'));
  const expected = new Uint8Array(Buffer.from(parts[5], 'base64'));
  if (expected.length < 16) return false;
  const actual = await scrypt(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r + 16 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;

/**
 * One verifyPassword's worth of work against a hash of the default parameters, for a refusal that
 * must not come sooner than a real check would (a locked account, answered without looking).
 */
export async function verifyDecoy(password: string): Promise<void> {
  decoy ??= hashPassword('not a real password; only keeps timing flat');
  await verifyPassword(await decoy, password);
}

export const MIN_PASSWORD_LENGTH = 8;
