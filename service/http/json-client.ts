/**
 * The companion's JSON calls to the App on the login path, through undici's `request` (the
 * client Node's own fetch is built on, without its web-stream layer): keep-alive connections, one
 * deadline for the whole exchange, a body capped in bytes, redirects answered rather than followed.
 */
import { Agent, request } from 'undici';

export interface JsonAnswer {
  status: number;
  /** The parsed body, or undefined when it is empty or not JSON. */
  body: unknown;
}

export class JsonRequestError extends Error {
  constructor(
    readonly kind: 'timeout' | 'unreachable' | 'too_large',
    /** The socket's error code when unreachable (ECONNREFUSED, ENOTFOUND, …): safe to show, and says what to fix. */
    readonly code?: string,
  ) {
    super(`request failed: ${kind}${code ? ` (${code})` : ''}`);
    this.name = 'JsonRequestError';
  }
}

const MAX_BODY_BYTES = 64 * 1024;
/** One pool for the process: the App is one origin, called on every login. */
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 10_000 });
const GET_HEADERS = Object.freeze({ accept: 'application/json' });
const POST_HEADERS = Object.freeze({ accept: 'application/json', 'content-type': 'application/json' });

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The socket's code of a connection failure, wherever undici put it. */
function codeOf(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  const found = typeof cause?.code === 'string' ? cause.code : code;
  return typeof found === 'string' && !found.startsWith('UND_ERR_') ? found : undefined;
}

export async function requestJson(url: URL, method: 'GET' | 'POST', timeoutMs: number, body?: unknown): Promise<JsonAnswer> {
  // A timer cleared when the answer is in: AbortSignal.timeout's would outlive every call by `timeoutMs`.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const fail = (error: unknown): never => {
    if (error instanceof JsonRequestError) throw error;
    throw deadline.signal.aborted ? new JsonRequestError('timeout') : new JsonRequestError('unreachable', codeOf(error));
  };
  try {
    const response = await request(url, {
      method,
      headers: body === undefined ? GET_HEADERS : POST_HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher,
      signal: deadline.signal,
    }).catch(fail);
    // Raw bytes counted, then decoded once: the cap is on bytes received (a string's length counts UTF-16 units).
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          response.body.destroy();
          throw new JsonRequestError('too_large');
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      fail(error);
    }
    return { status: response.statusCode, body: parse(Buffer.concat(chunks as unknown as Uint8Array[]).toString('utf8')) };
  } finally {
    clearTimeout(timer);
  }
}
