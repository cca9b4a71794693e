/**
 * Companion replicas as operators run them: several `service/server.ts` processes sharing one
 * MongoDB (`MONGODB_URL`) behind a round-robin load balancer, with browsers behind office NATs.
 *
 * - one MongoDB wire stand-in over the fake database, in this process (tests read and seed its
 *   collections directly, and `pause()` / `resume()` it);
 * - the Rocket.Chat stand-in (password mode's REST API) and the App stand-in (app mode's mint);
 * - `count` companion child processes (default 3) with the same SESSION_SECRET, assertion key and
 *   MONGODB_URL, each on its own port, each waited on through `/readyz`;
 * - a round-robin HTTP proxy (node:http, round-robin-proxy.cjs, in a worker thread of this
 *   process): every request, not every connection, goes to the next replica; it sets
 *   `X-Forwarded-For` from the client socket's address (the replicas trust it through
 *   TRUST_PROXY) and names the replica that served the request in REPLICA_HEADER, so tests can
 *   assert which replica answered without asking the companion;
 * - clients that pick their source address: all of 127.0.0.0/8 is loopback on Linux, so
 *   `client('127.0.0.2')` is one office address and `client('127.0.0.3')` another, each with its
 *   own keep-alive agent.
 *
 * No `X-Forwarded-Proto`: the companion sets its `__Host-` cookies Secure whatever the request's
 * scheme and never reads it, so the proxy does not pretend to terminate TLS.
 *
 * Every wait polls with a bound; close() ends the children (SIGTERM, then SIGKILL), a process
 * `exit` handler kills any still alive, and each child ends by itself when its IPC channel to this
 * process closes (replica-watchdog.cjs): a failed test, a failed start or a killed test process
 * leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startAppStandIn, type AppStandIn } from '../../devstack/app-stand-in';
import { createFakeDatabase, type FakeDatabase } from '../../devstack/mongo/fake-database';
import { startWireServer, type WireServer } from '../../devstack/mongo/wire-server';
import { startRocketChat, type RocketChatOptions, type RocketChatStandIn } from '../../devstack/rocketchat';
import { cookieJar, csrfFrom, PUBLIC_ORIGIN, SECRET, SESSION_SECRET } from '../service/support/harness';
import { freePort } from './ports';

const root = join(__dirname, '..', '..');
/** tsx's loader in the same process (`node --import`): one pid per replica to signal, no tsx CLI in between. */
const TSX_LOADER = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const SERVER = join(root, 'service', 'server.ts');
/** Ends a replica when its IPC channel to this process closes (this process gone, however it went). */
const WATCHDOG = join(__dirname, 'replica-watchdog.cjs');

/** Response header the proxy adds: the name of the replica that served the request. */
export const REPLICA_HEADER = 'x-test-replica';
/**
 * Request header the proxy takes out and obeys instead of its turn: for probes that must reach
 * each replica while they run side by side (concurrent requests arrive in no fixed order).
 */
const PIN_HEADER = 'x-test-to-replica';
/** A replica answers /readyz within this after spawning (tsx compiles the service first; slower on a busy CI). */
const START_BOUND_MS = 45_000;
/** SIGTERM lets the server close; after this it is killed. */
const STOP_BOUND_MS = 3_000;
/** Log lines kept per replica (the tail is what explains a failure). */
const LOG_LINES = 400;

export interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  /** The tail of its stdout and stderr (pino JSON lines; tokens, passwords and cookies are redacted there). */
  log: string[];
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The replica that served it (REPLICA_HEADER), or '' when the proxy did not answer. */
  replica: string;
  /** From sending the request to the end of the body, on this side. */
  ms: number;
}

export interface RequestOptions {
  headers?: OutgoingHttpHeaders;
  body?: string;
  /** Give up (reject) after this long: no test waits on a hung request. */
  timeoutMs?: number;
  /** This replica (by name) rather than the next in turn. */
  replica?: string;
}

/** Requests through the proxy from one source address. */
export interface Client {
  address: string;
  /** Rocket.Chat's origin, which API URL calls come from. */
  rcOrigin: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
}

export interface FloodOptions {
  /** The one client address it comes from. */
  address: string;
  /** Requests a second offered, and how many may be open at once (beyond that they are dropped). */
  rate: number;
  inFlight: number;
  durationMs: number;
  /** Sent in turn, through the proxy. */
  requests: Array<{ method: string; path: string; headers?: Record<string, string>; body?: string }>;
}

export interface FloodResult {
  sent: number;
  dropped: number;
  /** Answers by `<METHOD> <path> <status>` (or `error`). */
  statuses: Record<string, number>;
  ms: number;
}

export interface ReplicasOptions {
  /** Companion settings over the shared ones (TOKEN_MODE, IDENTITY_SOURCE, limits...). */
  env?: Record<string, string>;
  count?: number;
  rocketChat?: RocketChatOptions;
}

export interface Replicas {
  wire: WireServer;
  db: FakeDatabase;
  rocketChat: RocketChatStandIn;
  app: AppStandIn;
  /** Rocket.Chat's origin (ROCKETCHAT_URL): the Origin the API URL's callers send. */
  rcOrigin: string;
  replicas: Replica[];
  proxyUrl: string;
  client(address: string): Client;
  /**
   * A bounded flood from one address (flood.cjs, in a worker thread). Resolves once the flood
   * has started (its worker loaded); `result` then resolves with its figures when it is over.
   */
  flood(options: FloodOptions): Promise<{ result: Promise<FloodResult> }>;
  /** The replicas' log tails, for a failure message (never printed on success). */
  logs(lines?: number): string;
  close(): Promise<void>;
}

const alive = new Set<ChildProcess>();
// A worker that exits without afterAll (a crash, a forced stop) takes its replicas with it.
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after STOP_BOUND_MS; resolves once it has exited and its pipes are closed. */
async function stopChild(child: ChildProcess): Promise<void> {
  // 'close' comes after 'exit', once stdout and stderr are drained: nothing of the child is left open here.
  const gone = new Promise<void>((resolve) => (exited(child) && child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false ? resolve() : child.once('close', () => resolve())));
  if (!exited(child)) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS);
  await gone;
  clearTimeout(timer);
  alive.delete(child);
}

/** One request on `agent`, body read to the end; rejects on a socket error or after `timeoutMs`. */
function send(url: URL, agent: Agent, method: string, options: RequestOptions = {}): Promise<Answer> {
  const started = performance.now();
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: OutgoingHttpHeaders = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}), ...(options.replica ? { [PIN_HEADER]: options.replica } : {}) };
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks as unknown as Uint8Array[]).toString('utf8'),
          replica: String(response.headers[REPLICA_HEADER] ?? ''),
          ms: performance.now() - started,
        }),
      );
    });
    request.setTimeout(options.timeoutMs ?? 10_000, () => request.destroy(new Error(`${method} ${url.pathname}: no answer within ${options.timeoutMs ?? 10_000} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The load balancer (round-robin-proxy.cjs) in a worker thread: its own event loop, in this process. */
async function startProxy(replicas: Replica[]): Promise<{ url: string; close(): Promise<void> }> {
  const worker = new Worker(join(__dirname, 'round-robin-proxy.cjs'), {
    workerData: { replicas: replicas.map(({ name, port }) => ({ name, port })), replicaHeader: REPLICA_HEADER, pinHeader: PIN_HEADER },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { port: number }) => resolve(message.port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage('close');
      // Bounded; the timer is cleared, or it alone would keep the test process alive for its length.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, STOP_BOUND_MS)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}

function spawnReplica(name: string, port: number, env: Record<string, string>, cwd: string): Replica {
  const child = spawn(process.execPath, ['--require', WATCHDOG, '--import', TSX_LOADER, SERVER], {
    cwd,
    // Only what the companion needs: nothing of the test runner's environment (NODE_ENV, CI...) leaks in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, TMPDIR: process.env.TMPDIR ?? tmpdir(), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  const replica: Replica = { name, port, child, log: [] };
  const keep = (chunk: Buffer) => {
    replica.log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (replica.log.length > LOG_LINES) replica.log.splice(0, replica.log.length - LOG_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return replica;
}

/** Polls the replica's own /readyz (not through the proxy) until it answers 200. */
async function waitReady(replica: Replica): Promise<void> {
  const url = new URL(`http://127.0.0.1:${replica.port}/readyz`);
  const agent = new Agent({ keepAlive: false });
  const started = Date.now();
  try {
    for (;;) {
      if (exited(replica.child)) throw new Error(`${replica.name} exited (${replica.child.exitCode ?? replica.child.signalCode}) before it was ready:\n${replica.log.join('\n')}`);
      const answer = await send(url, agent, 'GET', { timeoutMs: 2_000 }).catch(() => undefined);
      if (answer?.status === 200) return;
      if (Date.now() - started > START_BOUND_MS) throw new Error(`${replica.name} not ready within ${START_BOUND_MS} ms (last /readyz: ${answer ? `${answer.status} ${answer.body}` : 'no answer'}):\n${replica.log.slice(-30).join('\n')}`);
      await sleep(100);
    }
  } finally {
    agent.destroy();
  }
}

export async function startReplicas(options: ReplicasOptions = {}): Promise<Replicas> {
  const undo: Array<() => Promise<unknown> | unknown> = [];
  const closeAll = async () => {
    for (const action of undo.splice(0).reverse()) await action();
  };
  try {
    const db = createFakeDatabase();
    const wire = await startWireServer((command) => db.handler(command));
    undo.push(() => wire.close());
    const rocketChat = await startRocketChat(options.rocketChat);
    undo.push(() => rocketChat.close());
    // ROCKETCHAT_URL is the stand-in itself: app mode asks it about held logins (`/api/v1/me`), and a
    // made-up public origin would send those questions to DNS.
    const rcOrigin = rocketChat.url;
    const app = await startAppStandIn({ key: new TextEncoder().encode(SECRET), issuer: PUBLIC_ORIGIN, audience: rcOrigin });
    undo.push(() => app.close());
    const cwd = mkdtempSync(join(tmpdir(), 'rcib-replicas-'));
    undo.push(() => rmSync(cwd, { recursive: true, force: true }));

    const env: Record<string, string> = {
      ROCKETCHAT_URL: rcOrigin,
      PUBLIC_URL: PUBLIC_ORIGIN,
      TOKEN_MODE: 'app',
      APP_LOGIN_URL: `${app.url}login`,
      ASSERTION_SECRET: SECRET,
      SESSION_SECRET,
      MONGODB_URL: wire.url('rocketchat'),
      // Only the proxy's own address is trusted to say who the client is.
      TRUST_PROXY: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...options.env,
    };

    const replicas: Replica[] = [];
    undo.push(() => Promise.all(replicas.map((replica) => stopChild(replica.child))));
    for (let i = 1; i <= (options.count ?? 3); i += 1) replicas.push(spawnReplica(`replica-${i}`, await freePort(), env, cwd));
    await Promise.all(replicas.map(waitReady));

    const proxy = await startProxy(replicas);
    undo.push(() => proxy.close());
    const agents = new Map<string, Agent>();
    undo.push(() => agents.forEach((agent) => agent.destroy()));
    const floods = new Set<Worker>();
    undo.push(() => Promise.all([...floods].map((worker) => worker.terminate())));

    return {
      wire,
      db,
      rocketChat,
      app,
      rcOrigin,
      replicas,
      proxyUrl: proxy.url,
      client(address) {
        let agent = agents.get(address);
        if (!agent) agents.set(address, (agent = new Agent({ keepAlive: true, localAddress: address })));
        const bound = agent;
        return { address, rcOrigin, request: (method, path, requestOptions) => send(new URL(path, proxy.url), bound, method, requestOptions) };
      },
      async flood(flood) {
        const worker = new Worker(join(__dirname, 'flood.cjs'), { workerData: { url: proxy.url, localAddress: flood.address, rate: flood.rate, inFlight: flood.inFlight, durationMs: flood.durationMs, requests: flood.requests } });
        floods.add(worker);
        const messages: Array<(message: unknown) => void> = [];
        worker.on('message', (message) => messages.shift()?.(message));
        const next = () =>
          new Promise<unknown>((resolve, reject) => {
            messages.push(resolve);
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`the flood worker exited (${code}) before it answered`)));
          });
        const end = async () => {
          floods.delete(worker);
          await worker.terminate();
        };
        try {
          await next();
        } catch (error) {
          await end();
          throw error;
        }
        const result = next() as Promise<FloodResult>;
        worker.postMessage('go');
        return { result: result.finally(end) };
      },
      logs(lines = 40) {
        return replicas.map((replica) => `--- ${replica.name} (port ${replica.port}), last ${lines} log lines ---\n${replica.log.slice(-lines).join('\n')}`).join('\n');
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

/**
 * A test body that prints the replicas' log tails when it fails (jest shows console output with
 * the failure), then fails as it would have.
 */
export function showingLogs(replicas: () => Replicas | undefined, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      const cluster = replicas();
      if (cluster) console.log(`replica logs at the failure:\n${cluster.logs()}`);
      throw error;
    }
  };
}

/** A browser behind `client`'s address: its own cookies, the forms as the login page posts them. */
export function browser(client: Client) {
  const jar = cookieJar();
  const keep = (answer: Answer) => {
    jar.take(answer.headers['set-cookie']);
    return answer;
  };
  return {
    jar,
    client,
    /** A navigation (the framed login page). */
    async get(path: string): Promise<Answer> {
      return keep(await client.request('GET', path, { headers: { cookie: jar.header(), 'sec-fetch-dest': 'iframe' } }));
    },
    /** A form POST from the login page's origin. */
    async post(path: string, fields: Record<string, string>): Promise<Answer> {
      const headers = { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' };
      return keep(await client.request('POST', path, { headers, body: new URLSearchParams(fields).toString() }));
    },
    /** The login form: GET /login, then POST it with the page's CSRF token. */
    async login(username: string, password: string): Promise<{ page: Answer; answer: Answer }> {
      const page = await this.get('/login');
      const answer = await this.post('/login', { username, password, _csrf: csrfFrom(page.body) });
      return { page, answer };
    },
    /** The API URL as Rocket.Chat's web client calls it, with this browser's cookies. */
    async api(): Promise<Answer> {
      return keep(await client.request('POST', '/api/session', { headers: { origin: client.rcOrigin, cookie: jar.header() } }));
    },
  };
}

export type Browser = ReturnType<typeof browser>;
