/**
 * Which language a page speaks: an explicit `lang` parameter, else the browser's
 * Accept-Language (RFC 9110 §12.5.4, q-values), else the configured default.
 */

/** Entries past this many are ignored: a header is a short preference list, not a payload. */
const MAX_ENTRIES = 32;
const RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/** Language ranges by preference: highest q first, ties in header order; q=0 and malformed entries dropped. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  const entries: { range: string; q: number; index: number }[] = [];
  for (const [index, part] of header.split(',').slice(0, MAX_ENTRIES).entries()) {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim());
    if (!RANGE.test(range)) continue;
    let q = 1;
    for (const param of params) {
      if (!/^q\s*=/i.test(param)) continue; // other parameters are not defined for this header
      const match = QVALUE.exec(param.replace(/\s+/g, ''));
      q = match ? Number(match[1]) : 0;
    }
    if (q > 0) entries.push({ range, q, index });
  }
  return entries.sort((a, b) => b.q - a.q || a.index - b.index).map((entry) => entry.range);
}

/**
 * The supported language for one range: exact (case-insensitive), then the range cut back
 * subtag by subtag (zh-Hans-CN → zh-Hans → zh), then any language with the same primary
 * subtag (pt-PT → pt-BR: the closest we have beats falling back to English).
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
