/**
 * Which language a page speaks: an explicit `lang` parameter, else the browser's
 * Accept-Language (RFC 9110 §12.5.4, q-values), else the configured default.
 */
import Negotiator from 'negotiator';

/** Entries past this many are ignored: a header is a short preference list, not a payload. */
const MAX_ENTRIES = 32;
/** A language range (RFC 4647 §2.1): anything else in the header can never name a language we speak. */
const RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;

/**
 * Language ranges by preference, as `negotiator` reads the header: highest q first, ties in
 * header order, q=0 and unreadable q-values dropped; then only what is a language range.
 */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  const capped = header.split(',', MAX_ENTRIES).join(',');
  return new Negotiator({ headers: { 'accept-language': capped } }).languages().filter((range) => RANGE.test(range));
}

/**
 * The supported language for one range: exact (case-insensitive), then the range cut back
 * subtag by subtag (zh-Hans-CN → zh-Hans → zh), then any language with the same primary
 * subtag (pt-PT → pt-BR: the closest we have beats falling back to English). `negotiator`'s own
 * matching (`languages(available)`) stops at one level (zh-Hans-CN matches no zh-CN, pt-PT no
 * pt-BR) and answers `*` with the first available language rather than the configured default.
 */
export function matchLanguage(range: string, supported: readonly string[]): string | undefined {
  if (range === '*') return undefined;
  const byLower = new Map(supported.map((tag) => [tag.toLowerCase(), tag]));
  const parts = range.toLowerCase().split('-');
  for (let length = parts.length; length > 0; length -= 1) {
    const found = byLower.get(parts.slice(0, length).join('-'));
    if (found) return found;
  }
  return supported.find((tag) => tag.toLowerCase().split('-')[0] === parts[0]);
}

export function chooseLanguage(
  request: { lang?: string; acceptLanguage?: string },
  supported: readonly string[],
  fallback: string,
): string {
  const explicit = request.lang ? matchLanguage(request.lang, supported) : undefined;
  if (explicit) return explicit;
  for (const range of parseAcceptLanguage(request.acceptLanguage)) {
    const found = matchLanguage(range, supported);
    if (found) return found;
  }
  return fallback;
}
