/**
 * `IDENTITY_SOURCE=forward`: the site already has sessions. The companion asks the site's
 * `FORWARD_AUTH_URL` with the browser's Cookie and Authorization headers; a 200 with JSON
 * naming a valid user is that user, anything else is nobody.
 */
import { createHash } from 'node:crypto';
import { networkCode, NotReady, urlForDisplay } from '../readiness';
import { siteUserFrom, type FieldMap, type IdentityLog } from './site-user';
import type { IdentitySource, RequestCredentials, SiteUser } from './types';

/** A session endpoint answers a few hundred bytes; more is a misconfigured URL (an HTML page). */
const MAX_REPLY_BYTES = 64 * 1024;
/** Enough for every active user of a busy site within a few seconds; the oldest go first. */
const MAX_CACHE_ENTRIES = 5000;

export interface ForwardIdentityOptions {
  url: string;
  timeoutMs: number;
  cacheSeconds: number;
  fieldMap: FieldMap;
  log?: IdentityLog;
}

interface CacheEntry {
  user: SiteUser;
  expiresAt: number;
}

/** The cache key: credentials never sit in memory longer than the request that brought them. */
export function credentialKey(credentials: RequestCredentials): string {
  return createHash('sha256')
    .update(`${credentials.cookie ?? ''}\u0000${credentials.authorization ?? ''}`)
    .digest('hex');
}

/** Reads at most `limit` bytes; undefined if the body is larger. */
async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}

export function createForwardIdentity(options: ForwardIdentityOptions): IdentitySource {
  /** The URL as /readyz may show it: no credentials, no query. */
  const where = options.url ? urlForDisplay(options.url) : '';
  const cache = new Map<string, CacheEntry>();
  /** Concurrent requests with the same credentials (a page's parallel calls) share one call. */
  const inFlight = new Map<string, Promise<SiteUser | undefined>>();
  /** Logs why (a short code, never a header or a body), and answers nobody. */
  const nobody = (problem: string): undefined => {
    options.log?.warn({ identity: 'forward', problem }, 'forward auth: nobody');
    return undefined;
  };

  function remember(key: string, user: SiteUser): void {
    if (options.cacheSeconds <= 0) return;
    cache.delete(key);
    if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, { user, expiresAt: Date.now() + options.cacheSeconds * 1000 });
  }

  async function ask(credentials: RequestCredentials): Promise<SiteUser | undefined> {
    // Only these two of the browser's headers: the site's session, and nothing that could steer it.
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials.cookie) headers.cookie = credentials.cookie;
    if (credentials.authorization) headers.authorization = credentials.authorization;
    let response: Response;
    let text: string | undefined;
    try {
      // `manual`: a redirect (to the site's login page) means nobody, and must not carry the cookie elsewhere.
      response = await fetch(options.url, { headers, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        return undefined;
      }
      text = await readLimited(response, MAX_REPLY_BYTES);
    } catch (error) {
      // By name, not instanceof: the abort is a DOMException, which need not share our realm's Error.
      const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
      return nobody(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable');
    }
    if (text === undefined) return nobody('reply_too_large');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return nobody('bad_json');
    }
    const result = siteUserFrom(data, options.fieldMap);
    return result.ok ? result.user : nobody(result.problem);
  }

  async function fromRequest(credentials: RequestCredentials): Promise<SiteUser | undefined> {
    // No credentials, no session: the site need not be asked.
    if (!credentials.cookie && !credentials.authorization) return undefined;
    const key = credentialKey(credentials);
    const hit = cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.user;
    if (hit) cache.delete(key);
    const pending = inFlight.get(key);
    if (pending) return pending;
    // Only users are cached, never "nobody": right after the user logs in at the site (often with
    // the same cookie) the next call must see them.
    const call = ask(credentials)
      .then((user) => {
        if (user) remember(key, user);
        return user;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, call);
    return call;
  }

  return {
    kind: 'forward',
    fromRequest,
    async ready() {
      try {
        const response = await fetch(options.url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
        await response.body?.cancel().catch(() => undefined);
        return true; // Any HTTP answer (401 included) means the site is up.
      } catch (error) {
        throw new NotReady(`FORWARD_AUTH_URL ${where} is unreachable (${networkCode(error)})`);
      }
    },
    async close() {
      cache.clear();
    },
  };
}
