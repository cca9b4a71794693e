/**
 * The rule every shared secret an operator sets must pass, on both sides: the companion's
 * SESSION_SECRET, ASSERTION_SECRET, BACKCHANNEL_SECRET and a shared-secret JWT_COOKIE_KEY, and the
 * App's assertion_secret and backchannel_secret. Whoever knows one of them can forge sessions or
 * logins, so a value that is public or guessable is refused at start, not just a short one.
 * Imported by the App and by the companion; no imports here.
 *
 * Refused, beyond the length (at least 32 bytes, checked by each caller):
 * - a placeholder: anything containing "change-me" (or "changeme", "change_me"), in any case —
 *   the example values of .env.example and of the docs are public;
 * - too little variety: fewer than 16 different characters, or fewer than 10 for a value made only
 *   of hex digits (hex has 16 symbols at most). A random secret passes both with room to spare:
 *   `openssl rand -base64 32` (44 characters over 64 symbols) has about 32 different characters
 *   (fewest in a million tries: 22), `openssl rand -hex 32` (64 characters) about 16 (fewest: 12).
 *   A 32-character hex value (`openssl rand -hex 16`) falls under 10 about once in 10,000 tries:
 *   generate it again. Hand-typed values such as 'a' × 32 or "abcabc…" fail.
 */

export const SECRET_MIN_BYTES = 32;
export const SECRET_MIN_DISTINCT = 16;
export const SECRET_MIN_DISTINCT_HEX = 10;
/** How to make a secret that passes; part of every refusal. */
export const SECRET_HINT = 'generate one with: openssl rand -base64 32';
export const PLACEHOLDER_WHY = 'is a placeholder (it contains "change-me"), known to anyone who has read the example';

const PLACEHOLDER = /change[-_ ]?me/i;
const HEX = /^[0-9a-f]+$/i;

/** A placeholder copied from an example ("change-me", "CHANGEME", "change_me", …). */
export function isPlaceholderSecret(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/**
 * Why a secret (already long enough) must not be used, as the end of a sentence naming it
 * ("SESSION_SECRET is a placeholder …"); undefined when it passes. Never echoes the value.
 */
export function secretWeakness(value: string): string | undefined {
  if (isPlaceholderSecret(value)) return PLACEHOLDER_WHY;
  const hex = HEX.test(value);
  const distinct = new Set(hex ? value.toLowerCase() : value).size;
  const needed = hex ? SECRET_MIN_DISTINCT_HEX : SECRET_MIN_DISTINCT;
  if (distinct < needed) {
    return `has only ${distinct} different character${distinct === 1 ? '' : 's'}; a random ${hex ? 'hex ' : ''}secret has at least ${needed}`;
  }
  return undefined;
}
