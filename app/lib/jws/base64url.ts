/**
 * Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no whitespace, and
 * canonical only — the unused low bits of the last character must be zero, so that one
 * token has exactly one spelling (Node's decoder would silently accept all of these).
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function decodeBase64url(text: string): Buffer | undefined {
  if (!ALPHABET.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  return bytes;
}

export function encodeBase64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * A plain Uint8Array view of a Buffer: the same bytes, typed so that TypeScript 5.6 accepts
 * it where @types/node 20.8's Buffer no longer fits (the App's packaging toolchain).
 */
export function view(bytes: Buffer): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
