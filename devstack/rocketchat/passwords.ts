import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { passwordDigest } from './ids';

/** A password as Meteor's login method accepts it: plain, or `{digest, algorithm: 'sha-256'}`. */
export type PasswordInput = string | { digest: string; algorithm: string };

// Like accounts-password: the hash covers the SHA-256 digest, so plain and digest logins meet.
const digestOf = (input: PasswordInput): string | undefined => {
  if (typeof input === 'string') return passwordDigest(input);
  if (input && typeof input.digest === 'string' && input.algorithm === 'sha-256') return input.digest.toLowerCase();
  return undefined;
};

export function hashPassword(password: string): string {
  const salt = randomBytes(16).toString('hex');
  // Low cost: these are test users, and login tests run many times.
  const hash = scryptSync(passwordDigest(password), salt, 32, { N: 1024 });
  return `${salt}:${hash.toString('hex')}`;
}

export function checkPassword(stored: string | undefined, input: PasswordInput): boolean {
  const digest = digestOf(input);
  if (!stored || digest === undefined) return false;
  const [salt, expectedHex] = stored.split(':');
  const expected = new Uint8Array(Buffer.from(expectedHex, 'hex'));
  const actual = new Uint8Array(scryptSync(digest, salt, 32, { N: 1024 }));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
