/**
 * Random bytes for per-request values (assertion `jti`, cookie IVs) from a pool refilled by
 * one CSPRNG call per 4 KiB, as `crypto.randomUUID` does: a `randomBytes` call per value was
 * a visible share of a login's cost. Every byte is handed out once.
 */
import { randomFillSync } from 'node:crypto';

const pool = new Uint8Array(4096);
const poolView = Buffer.from(pool.buffer, pool.byteOffset, pool.length);
let offset = pool.length;

function take(size: number): number {
  if (size > 64) throw new RangeError('take large random values from crypto.randomBytes');
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += size;
  return start;
}

/** `size` random bytes (a copy: later refills do not change it). */
export function randomBytesFromPool(size: number): Uint8Array {
  const start = take(size);
  return pool.slice(start, start + size);
}

/** 128 random bits, base64url (22 characters). */
export function randomId(): string {
  const start = take(16);
  return poolView.toString('base64url', start, start + 16);
}
