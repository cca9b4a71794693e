/**
 * Calls to the providers' verification endpoints: one deadline, no redirects, a bounded body.
 * Failures become SocialRefused codes; URLs (which carry tokens) never reach the log.
 */
import { SocialRefused } from './types';

const MAX_BODY_BYTES = 64 * 1024;

export async function getJson(url: URL, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...headers }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    // By name, not instanceof: the abort is a DOMException, from another realm in some hosts.
    const name = (error as { name?: unknown } | null)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new SocialRefused(timedOut ? 'provider_timeout' : 'provider_unreachable', 'unavailable');
  }
  const text = await response.text().catch(() => '');
  if (text.length > MAX_BODY_BYTES) throw new SocialRefused('provider_reply_too_large', 'unavailable');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  // A provider that is down must not read as "this token is bad" (and vice versa).
  if (response.status >= 500) throw new SocialRefused('provider_error', 'unavailable');
  return { status: response.status, body };
}

/** `url` with extra query parameters, keeping those it already has. */
export function withQuery(base: string, params: Record<string, string>): URL {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}
