/**
 * OAuth 1.0a request signing (RFC 5849 §3.4, HMAC-SHA1), as Twitter's v1.1 API requires.
 * The pitfalls are all in the base string: RFC 3986 percent-encoding (not form encoding),
 * parameters sorted by encoded name then value, the query's own parameters included, and the
 * base URL without query, with a lower-case scheme and host and no default port.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** RFC 3986 unreserved characters stay; encodeURIComponent leaves !'()* too, which OAuth encodes. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function baseUrl(url: URL): string {
  const defaultPort = (url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443') || url.port === '';
  return `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${defaultPort ? '' : `:${url.port}`}${url.pathname}`;
}

export function signatureBaseString(method: string, url: URL, params: [string, string][]): string {
  const all = [...params, ...[...url.searchParams.entries()]].map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  all.sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1));
  const paramString = all.map(([k, v]) => `${k}=${v}`).join('&');
  return [method.toUpperCase(), percentEncode(baseUrl(url)), percentEncode(paramString)].join('&');
}

export function hmacSha1Signature(base: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(base).digest('base64');
}

export interface OAuth1Keys {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/** The `Authorization: OAuth ...` header of one request; nonce and timestamp fixed only in tests. */
export function authorizationHeader(method: string, url: URL, keys: OAuth1Keys, fixed?: { nonce: string; timestamp: string }, bodyParams: [string, string][] = []): string {
  const oauth: [string, string][] = [
    ['oauth_consumer_key', keys.consumerKey],
    ['oauth_nonce', fixed?.nonce ?? randomBytes(16).toString('hex')],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', fixed?.timestamp ?? String(Math.floor(Date.now() / 1000))],
    ['oauth_token', keys.token],
    ['oauth_version', '1.0'],
  ];
  const signature = hmacSha1Signature(signatureBaseString(method, url, [...oauth, ...bodyParams]), keys.consumerSecret, keys.tokenSecret);
  const fields = [...oauth, ['oauth_signature', signature]].map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`);
  return `OAuth ${fields.join(', ')}`;
}
