/**
 * A stand-in for the App's HTTP endpoints (docs/contract.md, "The App's endpoints"): a real HTTP
 * server that verifies assertions with `jose` and the contract's own `checkClaims`, keeps
 * seen `jti`s, and answers like the App. Tests can make it fail on purpose.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import { ALGORITHMS, DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS, checkClaims, type AssertionClaims } from '../app/contract/claims';
import type { ErrorReply, LoginReply } from '../app/contract/replies';

export interface StandInOptions {
  /** HS256 secret or the public key matching the companion's private key. */
  key: Uint8Array | CryptoKey | KeyObject;
  issuer: string;
  audience: string;
  /** Usernames the stand-in refuses with 403 provisioning_denied. */
  denied?: string[];
  /**
   * Skip the signature check (the claims and the jti are still checked). Only for the bench's
   * row 3, which measures the companion with an App "answering at once": verifying is the
   * App's work, measured in row 4 with the real App.
   */
  trustSignature?: boolean;
}

export interface AppStandIn {
  /** Base URL ending in `/`: `${url}login`, `${url}logout`, `${url}status`. */
  url: string;
  logins: AssertionClaims[];
  logouts: AssertionClaims[];
  /** Issued login tokens (to check the companion answers with them). */
  tokens: string[];
  /** Answer every call with this status (e.g. 502, 500), or hang (`'hang'`). */
  failWith?: number | 'hang';
  /** Usernames whose login is refused with 403 provisioning_denied and this reason (any string, as a broken App might send). */
  denyWith?: Record<string, string>;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startAppStandIn(options: StandInOptions): Promise<AppStandIn> {
  const seenJti = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const state: Omit<AppStandIn, 'url' | 'close'> = { logins: [], logouts: [], tokens: [] };

  async function verify(body: string): Promise<{ ok: true; claims: AssertionClaims } | { ok: false; status: number; reply: ErrorReply }> {
    let assertion: unknown;
    try {
      assertion = (JSON.parse(body) as { assertion?: unknown }).assertion;
    } catch {
      assertion = undefined;
    }
    if (typeof assertion !== 'string') return { ok: false, status: 400, reply: { error: 'bad_request' } };
    let payload: unknown;
    try {
      payload = options.trustSignature ? decodeJwt(assertion) : (await jwtVerify(assertion, options.key, { algorithms: [...ALGORITHMS], clockTolerance: DEFAULT_CLOCK_SKEW_SECONDS })).payload;
    } catch {
      return { ok: false, status: 401, reply: { error: 'invalid_assertion', reason: 'bad_signature' } };
    }
    const check = checkClaims(payload, {
      issuer: options.issuer,
      audience: options.audience,
      maxLifetimeSeconds: DEFAULT_MAX_LIFETIME_SECONDS,
      clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
      now: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) return { ok: false, status: 401, reply: { error: 'invalid_assertion', reason: check.reason } };
    if (seenJti.has(check.claims.jti)) return { ok: false, status: 401, reply: { error: 'invalid_assertion', reason: 'replayed' } };
    seenJti.set(check.claims.jti, check.claims.exp);
    return { ok: true, claims: check.claims };
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      const standIn = result as AppStandIn;
      if (standIn.failWith === 'hang') {
        hanging.add(response);
        return;
      }
      if (typeof standIn.failWith === 'number') return send(response, standIn.failWith, { error: 'rocketchat_unavailable' });
      const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
      if (request.method === 'GET' && path === '/status') return send(response, 200, { configured: true, missing: [], version: 'stand-in' });
      if (request.method !== 'POST' || (path !== '/login' && path !== '/logout')) return send(response, 404, { error: 'not_found' });
      const verified = await verify(await readBody(request));
      if (!verified.ok) return send(response, verified.status, verified.reply);
      if (path === '/logout') {
        state.logouts.push(verified.claims);
        return send(response, 200, { revoked: true });
      }
      if (options.denied?.includes(verified.claims.username)) return send(response, 403, { error: 'provisioning_denied', reason: 'user_deactivated' });
      const reason = standIn.denyWith && Object.hasOwn(standIn.denyWith, verified.claims.username) ? standIn.denyWith[verified.claims.username] : undefined;
      if (reason !== undefined) return send(response, 403, { error: 'provisioning_denied', reason });
      state.logins.push(verified.claims);
      const loginToken = randomBytes(32).toString('base64url');
      state.tokens.push(loginToken);
      const reply: LoginReply = { loginToken, userId: `u-${verified.claims.sub}`, username: verified.claims.username, created: state.logins.length === 1 };
      return send(response, 200, reply);
    })().catch((error: unknown) => send(response, 500, { error: String(error) }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const result: AppStandIn = Object.assign(state, {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return result;
}
