/** scrypt password hashes in the `scrypt$N$r$p$<salt>$<hash>` form LocalUser stores. */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/**
 * Hashes running at once in this process. Each takes a core for tens of milliseconds on libuv's
 * pool (four threads): a burst of logins, an attacker's included, would otherwise take every core
 * and stall the API URL's answers to everyone else. One core stays free; the rest wait in turn.
 */
export const HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: Array<() => void> = [];

/** Hashes running and waiting their turn, now (for tests and operators). */
export const hashLoad = () => ({ running, waiting: waiting.length });

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASH_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    // The place passes straight to the next in line, or is given back.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function scrypt(password: string, salt: Uint8Array, keyLength: number, options: ScryptOptions): Promise<Uint8Array> {
  return inTurn(
    () =>
      new Promise((resolve, reject) => {
        scryptCallback(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.length))));
      }),
  );
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
