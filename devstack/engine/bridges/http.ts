/**
 * Performs the App's outbound requests for real, translating the engine's request options
 * the way Rocket.Chat's own HTTP bridge does (content or data, params, auth, timeout,
 * encoding), so that the App talks to stand-ins over real sockets. The transport is
 * Rocket.Chat's too: its server-fetch is node-fetch 2.7 over Node's keep-alive global agent,
 * not Node's built-in fetch (undici), which costs about twice as much per call.
 */
import type { IHttpRequest, IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import type { HttpBridge, IHttpBridgeRequestInfo } from '@rocket.chat/apps-engine/server/bridges/HttpBridge';
import fetch, { type Headers, type RequestInit, type Response } from 'node-fetch';

/** Rocket.Chat's default when the App gives no timeout. */
const DEFAULT_TIMEOUT_MS = 3 * 60 * 1000;
const JSON_TYPES = ['application/json', 'text/javascript', 'application/javascript', 'application/x-javascript'];

/**
 * How Rocket.Chat's HTTP bridge hands the App a request that failed at the network (refused,
 * reset, timed out). Current versions let the error propagate into the App; older versions
 * caught it and resolved to the error's `response`, which is `undefined` for a refused
 * connection. The host can play either, so the App is tested against both.
 */
export type NetworkFailureStyle = 'propagate' | 'resolve-undefined';

export interface HostHttpBridge extends HttpBridge {
  networkFailures: NetworkFailureStyle;
}

export function createHttpBridge(Base: typeof HttpBridge): HostHttpBridge {
  class FetchHttpBridge extends Base implements HostHttpBridge {
    networkFailures: NetworkFailureStyle = 'propagate';

    protected async call(info: IHttpBridgeRequestInfo): Promise<IHttpResponse> {
      const { url, init, timeoutMs } = toFetchArguments(info);
      // A timer cleared when the answer is in, as Rocket.Chat's server-fetch does (setTimeout +
      // AbortController): AbortSignal.timeout's timer would outlive every call by `timeoutMs`.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let response: Response;
      let body: Buffer;
      try {
        response = await fetch(url.href, { ...init, signal: controller.signal });
        body = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        if (this.networkFailures === 'resolve-undefined') return undefined as unknown as IHttpResponse;
        throw describeFetchFailure(error, info, timeoutMs);
      } finally {
        clearTimeout(timer);
      }
      const result: IHttpResponse = {
        url: info.url,
        method: info.method,
        statusCode: response.status,
        headers: headersToObject(response.headers),
      };
      if (info.request.encoding === null) {
        // The engine types `content` as a string, but Rocket.Chat hands raw bytes over when asked.
        (result as { content?: unknown }).content = body;
        return result;
      }
      result.content = body.toString((info.request.encoding ?? 'utf8') as BufferEncoding);
      result.data = parseJsonBody(response.headers.get('content-type'), result.content);
      return result;
    }
  }
  return new FetchHttpBridge();
}

function toFetchArguments(info: IHttpBridgeRequestInfo): { url: URL; init: RequestInit; timeoutMs: number } {
  const request: IHttpRequest = info.request ?? {};
  const method = info.method.toUpperCase();
  const url = new URL(info.url);
  const headers: Record<string, string> = { ...request.headers };
  let content: unknown = request.content;
  if (!content && typeof request.data === 'object' && request.data !== null) content = request.data;
  if (request.auth) {
    if (!request.auth.includes(':')) throw new Error('auth option should be of the form "username:password"');
    headers.Authorization = `Basic ${Buffer.from(request.auth, 'ascii').toString('base64')}`;
  }
  const isGetOrHead = method === 'GET' || method === 'HEAD';
  const params = Object.entries(request.params ?? {}).filter(([, value]) => Boolean(value));
  if (content || isGetOrHead) {
    for (const [key, value] of params) url.searchParams.append(key, value);
  } else if (request.params) {
    content = new URLSearchParams(params).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  let body: string | Buffer | undefined;
  if (!isGetOrHead && content !== undefined && content !== null && content !== '') {
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      body = content;
    } else {
      body = JSON.stringify(content);
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    }
  }
  return { url, init: { method, headers, body }, timeoutMs: request.timeout || DEFAULT_TIMEOUT_MS };
}

function headersToObject(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, key) => {
    result[key] = value;
  });
  return result;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function parseJsonBody(contentType: string | null, text: string): unknown {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!JSON_TYPES.includes(mediaType)) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Duck-typed: under Jest, errors may come from another realm and fail `instanceof Error`. */
function describeFetchFailure(error: unknown, info: IHttpBridgeRequestInfo, timeoutMs: number): Error {
  const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: string };
  const target = `${info.method.toUpperCase()} ${info.url}`;
  if (name === 'AbortError') return new Error(`${target} timed out after ${timeoutMs} ms`);
  // node-fetch's FetchError names the system error (e.g. ECONNREFUSED) in `code` and its message.
  return new Error(`${target} failed (${code ?? message ?? String(error)})`);
}
