/**
 * Serves /api/apps/public/<appId>/<path> (and /api/apps/private/<appId>/<hash>/<path>)
 * over real HTTP the way Rocket.Chat's Express router does: route by the App's declared
 * endpoint paths (`:name` segments become params), parse JSON and form bodies, hand the
 * App lower-case method and headers, and send its reply (objects as JSON).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ApiCall {
  appId: string;
  /** The endpoint's declared path, e.g. `login` or `users/:id`. */
  endpointPath: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  content: unknown;
  privateHash?: string;
}

export interface ApiReply {
  status: number;
  headers?: Record<string, string>;
  content?: unknown;
}

export interface AppRoutes {
  /** Declared endpoint paths of an installed App, or undefined for an unknown App. */
  endpointPaths(appId: string): readonly string[] | undefined;
  dispatch(call: ApiCall): Promise<ApiReply>;
}

const APP_URL = /^\/api\/apps\/(?:public\/([^/]+)|private\/([^/]+)\/([^/]+))\/(.*)$/;
/** Rocket.Chat's body parser limit for App endpoints is of this order; ours only guards against runaway tests. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function handleAppHttp(routes: AppRoutes, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://engine-host.invalid');
  const match = APP_URL.exec(url.pathname);
  if (!match) return false;
  const appId = decodeURIComponent(match[1] ?? match[2]);
  const privateHash = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
  const requested = match[4].split('/').map(decodeURIComponent);
  const route = findRoute(routes.endpointPaths(appId) ?? [], requested);
  if (!route) {
    await drain(req);
    send(res, { status: 404, content: 'Not Found' });
    return true;
  }
  let content: unknown;
  try {
    content = parseBody(req.headers['content-type'], await readBody(req));
  } catch (error) {
    send(res, { status: (error as { status?: number }).status ?? 400, content: error instanceof Error ? error.message : String(error) });
    return true;
  }
  const call: ApiCall = {
    appId,
    endpointPath: route.path,
    method: (req.method ?? 'GET').toLowerCase(),
    headers: flattenHeaders(req.headers),
    query: Object.fromEntries(url.searchParams),
    params: route.params,
    content,
    privateHash,
  };
  send(res, await routes.dispatch(call));
  return true;
}

function findRoute(paths: readonly string[], requested: string[]): { path: string; params: Record<string, string> } | undefined {
  const wanted = requested.filter((segment, index) => segment !== '' || index < requested.length - 1);
  for (const path of paths) {
    const declared = path.trim().replace(/^\/+/, '').split('/');
    if (declared.length !== wanted.length) continue;
    const params: Record<string, string> = {};
    const matches = declared.every((segment, index) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = wanted[index];
        return wanted[index] !== '';
      }
      return segment === wanted[index];
    });
    if (matches) return { path, params };
  }
  return undefined;
}

/** Bodies are text (JSON, forms, plain text), so they are read as UTF-8 strings. */
async function readBody(req: IncomingMessage): Promise<string> {
  req.setEncoding('utf8');
  let body = '';
  for await (const chunk of req as AsyncIterable<string>) {
    body += chunk;
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw Object.assign(new Error('request entity too large'), { status: 413 });
  }
  return body;
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req as AsyncIterable<Buffer>) {
    // Read and dropped so that the connection can be reused.
  }
}

function parseBody(contentType: string | undefined, text: string): unknown {
  if (text.length === 0) return undefined;
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw Object.assign(new Error('invalid JSON body'), { status: 400 });
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  return text;
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Like Express's `res.set(headers).status(status).send(content)`. */
function send(res: ServerResponse, reply: ApiReply): void {
  const headers = new Map(Object.entries(reply.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  let body: Buffer | undefined;
  const { content } = reply;
  if (Buffer.isBuffer(content)) {
    body = content;
    if (!headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
  } else if (typeof content === 'string') {
    body = Buffer.from(content);
    if (!headers.has('content-type')) headers.set('content-type', 'text/html; charset=utf-8');
  } else if (content !== undefined && content !== null) {
    body = Buffer.from(JSON.stringify(content));
    if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
  }
  headers.set('content-length', String(body?.length ?? 0));
  res.writeHead(reply.status, Object.fromEntries(headers));
  res.end(body);
}
