/**
 * Calls to the companion over the App's IHttp: bounded in time, and every failure turned
 * into a short reason for logs and `status` (never a header or body we sent).
 */
import type { IHttp, IHttpRequest, IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import { answerOf } from '../http/answer';
import { CallTimeout, withTimeout } from '../http/timeout';

export const COMPANION_TIMEOUT_MS = 3000;

export class CompanionUnreachable extends Error {}

export async function callCompanion(http: IHttp, method: 'GET' | 'POST', url: string, request: IHttpRequest, timeoutMs = COMPANION_TIMEOUT_MS): Promise<IHttpResponse> {
  const options: IHttpRequest = { ...request, timeout: timeoutMs };
  try {
    return answerOf(await withTimeout(method === 'GET' ? http.get(url, options) : http.post(url, options), timeoutMs));
  } catch (error) {
    const why = error instanceof CallTimeout ? error.message : `request failed (${error instanceof Error ? error.message.slice(0, 160) : 'unknown'})`;
    throw new CompanionUnreachable(why);
  }
}

/** Response header by name, whatever case the bridge used. */
export function header(response: IHttpResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(response.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry ? String(entry[1]) : undefined;
}

/** `scheme://host[:port]` of an http(s) URL, default ports dropped, as browsers send `Origin`. No URL global needed. */
export function originOf(url: string): string | undefined {
  const match = /^(https?):\/\/([^\s/?#@]+)/i.exec(url);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const host = match[2]!.toLowerCase().replace(scheme === 'http' ? /:80$/ : /:443$/, '');
  return `${scheme}://${host}`;
}
