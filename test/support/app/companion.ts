/**
 * A local HTTP server standing in for the companion, as far as the App sees it: health,
 * readiness, the API URL's CORS grant, the login page's frame-ancestors, and the
 * back-channel logout route (recording what it receives). Each behaviour can be broken
 * on purpose to see the App refuse it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CompanionBehaviour {
  healthz: number;
  readyz: number;
  /** The origin /api/session grants; null: no CORS headers at all. */
  corsOrigin: string | null;
  credentials: boolean;
  /** The origins in the login page's frame-ancestors. */
  frameAncestors: string[];
  backchannelStatus: number;
  /** Delay before answering anything, in ms (to exercise timeouts). */
  delayMs: number;
}

export interface BackchannelCall {
  contentType: string | undefined;
  body: unknown;
}

export interface CompanionStandIn {
  url: string;
  behaviour: CompanionBehaviour;
  backchannel: BackchannelCall[];
  requests: Array<{ method: string; path: string; origin?: string }>;
  close(): Promise<void>;
}

export async function startCompanion(rocketChatOrigin: string, overrides: Partial<CompanionBehaviour> = {}): Promise<CompanionStandIn> {
  const behaviour: CompanionBehaviour = {
    healthz: 200,
    readyz: 200,
    corsOrigin: rocketChatOrigin,
    credentials: true,
    frameAncestors: [rocketChatOrigin],
    backchannelStatus: 200,
    delayMs: 0,
    ...overrides,
  };
  const backchannel: BackchannelCall[] = [];
  const requests: CompanionStandIn['requests'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, origin: req.headers.origin });
      if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
      const json = (status: number, value?: unknown) => {
        res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' });
        res.end(value === undefined ? undefined : JSON.stringify(value));
      };
      if (req.method === 'GET' && path === '/healthz') return json(behaviour.healthz, { status: 'ok' });
      if (req.method === 'GET' && path === '/readyz') return json(behaviour.readyz, { ready: behaviour.readyz === 200 });
      if (path === '/api/session') {
        if (behaviour.corsOrigin !== null && req.headers.origin) {
          res.setHeader('access-control-allow-origin', behaviour.corsOrigin);
          if (behaviour.credentials) res.setHeader('access-control-allow-credentials', 'true');
        }
        return json(401);
      }
      if (req.method === 'GET' && path === '/login') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': `default-src 'self'; frame-ancestors ${behaviour.frameAncestors.join(' ') || "'none'"}` });
        return res.end('<!doctype html><title>login</title>');
      }
      if (req.method === 'POST' && path === '/backchannel/logout') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = body;
        }
        backchannel.push({ contentType: req.headers['content-type'], body: parsed });
        return json(behaviour.backchannelStatus, behaviour.backchannelStatus === 200 ? { loggedOut: true } : { error: 'invalid_token' });
      }
      return json(404, { error: 'not_found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    behaviour,
    backchannel,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** A URL on which nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
