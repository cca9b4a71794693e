import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny stand-in of the operator's site for the client-page tests: the API URL (/api/session)
 * and the Iframe URL (/login), on another origin than Rocket.Chat. Each test sets what they do.
 */
export interface SiteBehaviour {
  status: number;
  body?: unknown;
  /** Answer the CORS preflight (OPTIONS) properly. */
  preflight: boolean;
  /** Script run by the /login page; `RC` is the Rocket.Chat origin, replies land in window.received. */
  loginScript: string;
}

export interface Site {
  url: string;
  behaviour: SiteBehaviour;
  calls: Array<{ method: string; origin?: string; contentType?: string; cookie?: string }>;
  close(): Promise<void>;
}

export async function startSite(rocketChatOrigin: string): Promise<Site> {
  const site: Site = {
    url: '',
    behaviour: { status: 401, preflight: true, loginScript: '' },
    calls: [],
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const cors = (req: IncomingMessage): Record<string, string> =>
    req.headers.origin === rocketChatOrigin ? { 'access-control-allow-origin': rocketChatOrigin, 'access-control-allow-credentials': 'true', vary: 'Origin' } : {};
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    if (path === '/api/session') {
      site.calls.push({ method: req.method ?? '', origin: req.headers.origin, contentType: req.headers['content-type'], cookie: req.headers.cookie });
      if (req.method === 'OPTIONS') {
        if (!site.behaviour.preflight) return void res.writeHead(404).end();
        return void res.writeHead(204, { ...cors(req), 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'Content-Type' }).end();
      }
      const headers = { ...cors(req), 'content-type': 'application/json' };
      return void res.writeHead(site.behaviour.status, headers).end(site.behaviour.body === undefined ? '' : JSON.stringify(site.behaviour.body));
    }
    if (path === '/login') {
      const html = `<!doctype html><title>site login</title><p id="page">site login page</p><script>
        const RC = ${JSON.stringify(rocketChatOrigin)};
        window.received = [];
        window.addEventListener('message', (e) => { if (e.origin === RC) window.received.push(e.data); });
        ${site.behaviour.loginScript}
      </script>`;
      return void res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'site_session=abc; Path=/' }).end(html);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  site.url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return site;
}
