import { createHash, randomInt } from 'node:crypto';

// Meteor's Random.id() alphabet: no look-alike characters.
const UNMISTAKABLE = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A 17-character id, like Random.id() for `_id`. */
export const randomId = (): string => pick(UNMISTAKABLE, 17);

/** A 43-character secret, like Random.secret() for login tokens. */
export const randomSecret = (): string => pick(BASE64URL, 43);

export const randomDigits = (length: number): string => pick('0123456789', length);

/** How Rocket.Chat stores login tokens: base64(SHA-256(token)). */
export const hashLoginToken = (token: string): string => createHash('sha256').update(token).digest('base64');

/** What Meteor clients send instead of a password: hex SHA-256 of it. */
export const passwordDigest = (password: string): string => createHash('sha256').update(password).digest('hex');
