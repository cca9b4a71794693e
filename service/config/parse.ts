/** The parsers the areas share: one URL parser, the secret rule, exact origins, PEM text, field maps, trust proxy, same-site. */
import { SECRET_HINT, SECRET_MIN_BYTES, secretWeakness } from '../../app/contract/secrets';
import { SITE_USER_FIELDS } from '../identity/site-user';
import type { FieldMap, TrustProxy } from './types';

/** An http(s) URL, or `undefined` for anything else (unset included). */
export function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The problem of an optional URL variable: set, and not an http(s) URL. */
export function urlProblem(name: string, value: string | undefined): string[] {
  return value !== undefined && !parseUrl(value) ? [`${name} must be an http(s) URL`] : [];
}

/**
 * A shared secret we rely on (SESSION_SECRET, ASSERTION_SECRET, BACKCHANNEL_SECRET, a shared-secret
 * JWT_COOKIE_KEY, METRICS_TOKEN): long enough, no placeholder, enough variety (app/contract/secrets.ts,
 * the rule the App applies too). The problem names the variable and how to make one, never the value.
 */
export function secretProblem(name: string, value: string, unit: 'bytes' | 'characters' = 'bytes'): string | undefined {
  const length = unit === 'bytes' ? new TextEncoder().encode(value).length : value.length;
  if (length < SECRET_MIN_BYTES) return `${name} must be at least ${SECRET_MIN_BYTES} ${unit}; ${SECRET_HINT}`;
  const weakness = secretWeakness(value);
  return weakness ? `${name} ${weakness}; ${SECRET_HINT}` : undefined;
}

/** localhost, 127.0.0.0/8 and ::1, as the WHATWG URL parser writes them (127.1 is 127.0.0.1). */
function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

/**
 * ROCKETCHAT_URL and PUBLIC_URL become exact origins (CORS, postMessage targetOrigin, CSP
 * frame-ancestors, the CSRF Origin check): a `*` would turn frame-ancestors into a wildcard, so it
 * is refused anywhere in the value. In production (NODE_ENV=production) both must be https, except
 * on a loopback host (a proxy on the same machine, local trials).
 */
export function originProblems(name: 'ROCKETCHAT_URL' | 'PUBLIC_URL', raw: string | undefined, production: boolean): string[] {
  if (raw === undefined) return [];
  if (raw.includes('*')) return [`${name} must not contain * (it must name one exact origin, such as https://chat.example.com)`];
  const url = parseUrl(raw);
  if (!url) return [`${name} must be an http(s) URL such as https://${name === 'PUBLIC_URL' ? 'auth' : 'chat'}.example.com`];
  if (production && url.protocol !== 'https:' && !isLoopback(url)) {
    return [`${name} must be an https URL when NODE_ENV=production (http is allowed only for localhost, 127.0.0.0/8 and ::1)`];
  }
  return [];
}

/** Operators paste PEM keys into one-line env files with literal `\n`. */
export function pem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

/** `sub=id,email=mail`: our claim name = the field name in the site's JSON. */
export function parseFieldMap(raw: string): FieldMap | string {
  const map: FieldMap = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [claim, field, extra] = pair.split('=').map((p) => p.trim());
    if (!claim || !field || extra !== undefined) return `"${pair}" is not claim=field`;
    if (!(SITE_USER_FIELDS as readonly string[]).includes(claim)) return `"${claim}" is not one of ${SITE_USER_FIELDS.join(', ')}`;
    map[claim as keyof FieldMap] = field;
  }
  return map;
}

/** A number counts trusted hops (proxy-addr's meaning); anything else is an address list. */
export function parseTrustProxy(raw: string): TrustProxy {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return (_address, hop) => hop < hops;
  }
  return raw;
}

/** A comma list, trimmed, without empty entries. */
export function list(raw: string): string[] {
  return raw.split(',').map((item) => item.trim()).filter(Boolean);
}

/** Second-level labels that are public under a two-letter country code (co.uk, com.au, ac.jp, …). */
const COUNTRY_SECOND_LEVELS = new Set(['ac', 'co', 'com', 'edu', 'gob', 'go', 'gov', 'ltd', 'mil', 'ne', 'net', 'nom', 'or', 'org', 'plc', 'sch']);
/** Hosting suffixes where every tenant (name.github.io) is its own site. */
const HOSTING_SUFFIXES = new Set(['github.io', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev']);

/**
 * Schemeful same-site, without a public-suffix list: the site is the scheme and the last two host
 * labels, or the last three when the last two are a known public suffix (COUNTRY_SECOND_LEVELS under
 * a two-letter TLD, HOSTING_SUFFIXES). The session cookie is SameSite=Lax on the same site and None
 * across sites. A wrong "same" would be Lax across sites: the framed login page would never get its
 * cookie and the login would fail (not unsafely). A wrong "different" only drops SameSite's own
 * defence, which the CSRF tokens and Origin checks already give. So a listed suffix is read as
 * public even where a registrant owns that name (co.de): "different", the harmless direction.
 * Public suffixes not listed (me.uk, id.au, azurewebsites.net, …) are still read as one site: the
 * case left to err the other way, costing a broken cross-site login, never a weaker one.
 */
export function sameSite(a: URL, b: URL): boolean {
  const site = (url: URL) => {
    const host = url.hostname;
    const isIp = /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
    if (isIp) return `${url.protocol}//${host}`;
    const labels = host.split('.');
    const [second, top] = labels.slice(-2);
    const publicSuffix = HOSTING_SUFFIXES.has(`${second}.${top}`) || (/^[a-z]{2}$/.test(top ?? '') && COUNTRY_SECOND_LEVELS.has(second ?? ''));
    return `${url.protocol}//${labels.slice(publicSuffix ? -3 : -2).join('.')}`;
  };
  return site(a) === site(b);
}
