import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Route, RouteContext, ServerState } from './context';
import { Faults, MALFORMED_JSON } from './faults';
import { notFound, parseBody, readBody, ReplyError, unauthorized, writeReply, type Reply } from './http';
import { hasPermission } from './permissions';
import { RateLimiter, tooManyRequestsBody, type RateLimitSettings } from './rateLimit';
import { authRoutes } from './routes/auth';
import { methodRoutes } from './routes/methods';
import { publicRoutes } from './routes/public';
import { tokenRoutes } from './routes/tokens';
import { userRoutes } from './routes/users';
import { serveClient } from './client/serve';
import type { RequestRecord } from './types';

export type AppsHook = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface ServerOptions {
  rateLimit: boolean;
  rateLimitSettings: RateLimitSettings;
  /** Replaceable at run time: the engine usually needs the stand-in's URL before it can serve. */
  apps?: AppsHook;
}

const ROUTES: Route[] = [...authRoutes, ...userRoutes, ...tokenRoutes, ...publicRoutes, ...methodRoutes];

/** The HTTP side of the stand-in: one listener for REST, App endpoints and the web client page. */
export class StandInServer {
  readonly requests: RequestRecord[] = [];
  readonly faults = new Faults();
  readonly rateLimiter: RateLimiter;
  private server: Server;
  private address?: AddressInfo;

  constructor(
    private readonly state: ServerState,
    private readonly options: ServerOptions,
  ) {
    this.rateLimiter = new RateLimiter(options.rateLimitSettings);
    this.server = this.createListener();
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.address = this.server.address() as AddressInfo;
    return this.address;
  }

  /** `down` really closes the port (connections are refused), and opening it again reuses the same port. */
  async setDown(down: boolean): Promise<void> {
    if (down && this.server.listening) {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await closed;
      // Let in-process clients see their kept-alive sockets close, so the next call is refused, not reset.
      await sleep(20);
    } else if (!down && !this.server.listening && this.address) {
      this.server = this.createListener();
      await this.listen(this.address.port, this.address.address);
    }
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private createListener(): Server {
    return createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) writeReply(res, { status: 500, body: { success: false, error: 'Internal server error' } });
        else res.destroy(err as Error);
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, status: 0 };
    if (typeof req.headers.origin === 'string') record.origin = req.headers.origin;
    res.on('finish', () => {
      record.status = res.statusCode;
      this.requests.push(record);
    });
    const faults = this.faults.current;
    if (this.faults.applies(url.pathname)) {
      if (faults.down) return void req.socket.destroy(); // only reached when `paths` narrows `down`
      if (faults.delayMs) await sleep(faults.delayMs);
      if (faults.status) return writeReply(res, { status: faults.status, body: { success: false, error: 'Internal server error' } });
      if (faults.malformed) return writeReply(res, { status: 200, body: MALFORMED_JSON });
    }
    if (url.pathname.startsWith('/api/apps/')) {
      if (this.options.apps && (await this.options.apps(req, res))) return;
      return writeReply(res, notFound().reply);
    }
    if (!url.pathname.startsWith('/api/')) {
      if (await serveClient(url.pathname, this.state.settings, res)) return;
      return writeReply(res, { status: 404, body: 'Not found', headers: { 'content-type': 'text/plain' } });
    }
    writeReply(res, await this.rest(req, url, record));
  }

  private async rest(req: IncomingMessage, url: URL, record: RequestRecord): Promise<Reply> {
    const route = ROUTES.find((r) => r.path === url.pathname);
    if (!route) return notFound().reply;
    if (route.method !== req.method) return { status: 405, body: { success: false, error: 'Method not allowed' } };
    try {
      const ctx: RouteContext = {
        ...this.state,
        body: route.method === 'POST' ? parseBody(await readBody(req), req.headers['content-type']) : {},
        query: url.searchParams,
        headers: req.headers,
        ip: req.socket.remoteAddress ?? '',
      };
      const userId = req.headers['x-user-id'];
      const token = req.headers['x-auth-token'];
      if (typeof userId === 'string' && typeof token === 'string') {
        const found = this.state.store.authenticate(userId, token);
        if (found && found.user.active) ctx.caller = { ...found, token };
      }
      if (ctx.caller) record.userId = ctx.caller.user._id;
      // Order as in api.ts: not logged in → 401 first, then the rate limiter.
      if (route.auth && !ctx.caller) throw unauthorized();
      const limit = this.options.rateLimit && !hasPermission(ctx.caller?.user, 'api-bypass-rate-limit') ? this.rateLimiter.hit(ctx.ip, `${route.method} ${route.path}`, route.rateLimit?.(this.rateLimiter.settings)) : undefined;
      if (limit?.limited) return { status: 429, body: tooManyRequestsBody(limit.secondsToReset), headers: limit.headers };
      const reply = await route.handle(ctx);
      if (reply.body && typeof reply.body === 'object' && 'data' in reply.body) {
        const data = (reply.body as { data?: { userId?: unknown } }).data;
        if (!record.userId && typeof data?.userId === 'string') record.userId = data.userId;
      }
      return limit ? { ...reply, headers: { ...limit.headers, ...reply.headers } } : reply;
    } catch (err) {
      if (err instanceof ReplyError) return err.reply;
      throw err;
    }
  }
}
