/**
 * A small JSON client over node:http(s) with keep-alive agents, for the companion's calls to
 * the App on the login hot path. Node's fetch costs about a quarter of the CPU of such a call
 * (web streams, AbortSignal, undici's machinery); this does the same job with the core
 * modules: one deadline for the whole exchange, a bounded body, redirects not followed.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { urlToHttpOptions } from 'node:url';

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
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What node:http needs from a URL, worked out once per URL object (callers keep theirs). */
const targets = new WeakMap<URL, { send: typeof httpRequest; options: ReturnType<typeof urlToHttpOptions> & { agent: HttpAgent } }>();
function target(url: URL) {
  let known = targets.get(url);
  if (!known) {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    known = { send, options: { ...urlToHttpOptions(url), agent: agents[url.protocol as keyof typeof agents] } };
    targets.set(url, known);
  }
  return known;
}

const GET_HEADERS = Object.freeze({ accept: 'application/json' });

export function requestJson(url: URL, method: 'GET' | 'POST', timeoutMs: number, body?: unknown): Promise<JsonAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = payload ? { accept: 'application/json', 'content-type': 'application/json', 'content-length': payload.length } : GET_HEADERS;
  const { send, options } = target(url);

  return new Promise<JsonAnswer>((resolve, reject) => {
    const fail = (kind: JsonRequestError['kind'], error?: unknown) => {
      clearTimeout(deadline);
      req.destroy();
      const code = (error as { code?: unknown } | undefined)?.code;
      reject(new JsonRequestError(kind, typeof code === 'string' ? code : undefined));
    };
    const req = send({ ...options, method, headers }, (res: IncomingMessage) => {
      // Raw bytes counted, then decoded: the cap is on bytes received, and a string's length counts
      // UTF-16 units (a body of 3-byte characters would pass at three times the cap). The decoder
      // keeps a character split across two chunks whole.
      const decoder = new StringDecoder('utf8');
      let text = '';
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) return fail('too_large');
        text += decoder.write(chunk);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: parse(text + decoder.end()) });
      });
      res.on('error', () => fail('unreachable'));
    });
    const deadline = setTimeout(() => fail('timeout'), timeoutMs);
    req.on('error', (error) => fail('unreachable', error));
    req.end(payload);
  });
}
