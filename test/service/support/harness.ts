/** Builds the companion for tests: a config from a few overrides, captured logs, a stand-in App. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../service/app';
import { ConfigError, loadConfig, type Config } from '../../../service/config';
import type { Dependencies } from '../../../service/dependencies';
import type { IdentitySource } from '../../../service/identity/types';
import { SESSION_COOKIE } from '../../../service/plugins/session';
import { createSessionCodec } from '../../../service/sessions/cookie-codec';
import { hashPassword } from '../../../service/users/password';
import { createFileUserStore } from '../../../service/users/file-store';
import type { UserStore } from '../../../service/users/types';
import { startAppStandIn, type AppStandIn } from '../../../devstack/app-stand-in';

export const RC_ORIGIN = 'https://chat.example.com';
export const PUBLIC_ORIGIN = 'https://auth.example.org';
export const SECRET = 'assertion-secret-of-at-least-32-bytes!!';
/** Random (openssl rand -base64 32): hand-typed secrets are refused at start. */
export const SESSION_SECRET = 'XsJ3woDG2ptrPtHKPk/12hCFiq0/nKDjidkIjolBD6U=';
export const PASSWORD = 'correct horse battery staple';

export function baseEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ROCKETCHAT_URL: RC_ORIGIN,
    PUBLIC_URL: PUBLIC_ORIGIN,
    TOKEN_MODE: 'app',
    APP_LOGIN_URL: 'http://127.0.0.1:9/api/apps/public/x/login',
    ASSERTION_SECRET: SECRET,
    SESSION_SECRET,
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** What the start refuses in `env` (ConfigError's problems), or none. */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface Harness {
  app: FastifyInstance;
  config: Config;
  standIn: AppStandIn;
  store: UserStore;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function seedUsers(store: UserStore): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  const base = { email_verified: true, disabled: false, createdAt: new Date().toISOString(), passwordHash };
  await store.add({ ...base, sub: 'sub-alice', username: 'alice', email: 'alice@example.com', name: 'Alice' });
  await store.add({ ...base, sub: 'sub-bob', username: 'bob', email: 'bob@example.com', name: 'Bob', disabled: true });
}

/** A shared store so scrypt hashing runs once per test file. */
export async function seededStore(): Promise<UserStore> {
  const dir = mkdtempSync(join(tmpdir(), 'rcib-users-'));
  const store = createFileUserStore(join(dir, 'users.json'));
  await seedUsers(store);
  return store;
}

export async function startHarness(options: { env?: Record<string, string | undefined>; store?: UserStore; deps?: Partial<Dependencies>; standIn?: AppStandIn; fastLane?: false } = {}): Promise<Harness> {
  const standIn = options.standIn ?? (await startAppStandIn({ key: new TextEncoder().encode(SECRET), issuer: PUBLIC_ORIGIN, audience: RC_ORIGIN, denied: ['carol'] }));
  const store = options.store ?? (await seededStore());
  const dir = mkdtempSync(join(tmpdir(), 'rcib-'));
  const config = loadConfig(baseEnv({ APP_LOGIN_URL: `${standIn.url}login`, LOCAL_USERS_FILE: join(dir, 'unused.json'), ...options.env }) as NodeJS.ProcessEnv);
  const logs = new LogCapture();
  const { createLocalIdentity } = await import('../../../service/identity/local');
  const app = await buildApp({ config, logStream: logs, deps: { identity: createLocalIdentity(store), ...options.deps }, fastLane: options.fastLane });
  await app.ready();
  return {
    app,
    config,
    standIn,
    store,
    logs,
    async close() {
      await app.close();
      if (!options.standIn) await standIn.close();
    },
  };
}

/** Cookies from Set-Cookie headers, as a Cookie header value, merged over earlier ones. */
export function cookieJar() {
  const jar = new Map<string, string>();
  return {
    take(setCookie: string | string[] | undefined) {
      for (const line of ([] as string[]).concat(setCookie ?? [])) {
        const [pair] = line.split(';');
        const index = pair.indexOf('=');
        const name = pair.slice(0, index);
        const value = pair.slice(index + 1);
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
        else jar.set(name, value);
      }
    },
    header(): string {
      return [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    get(name: string): string | undefined {
      return jar.get(name);
    },
    values(): string[] {
      return [...jar.values()];
    },
  };
}

/** The CSRF token from a rendered form. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in page');
  return match[1];
}

/** GET /login, then POST the form as a browser on PUBLIC_URL would. */
export async function login(app: FastifyInstance, jar: ReturnType<typeof cookieJar>, username: string, password: string, query = '') {
  const page = await app.inject({ method: 'GET', url: `/login${query}`, headers: { cookie: jar.header() } });
  jar.take(page.headers['set-cookie']);
  const csrf = csrfFrom(page.body);
  const response = await app.inject({
    method: 'POST',
    url: `/login${query}`,
    headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
  });
  jar.take(response.headers['set-cookie']);
  return response;
}

/** An identity source for which every session's user still stands: sessions need no stored user. */
export const everyoneStands: IdentitySource = { kind: 'local', confirm: async (session) => session.user, ready: async () => true, close: async () => undefined };

const codec = createSessionCodec(SESSION_SECRET);

/**
 * A Cookie header with user number `n`'s session, sealed with the session key as a login would
 * write it, so thousands of users cost no password hashing (pair it with `everyoneStands`).
 * `held`: the session holds login `held-token-<n>`, answered from the session without minting.
 */
export async function sessionCookie(n: number, held: boolean): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const user = { sub: `sub-user-${n}`, username: `user${n}`, email: `user${n}@example.com`, email_verified: true, name: `User ${n}` };
  const credential = held ? { credential: { loginToken: `held-token-${n}` } } : {};
  return `${SESSION_COOKIE}=${await codec.encode({ sid: `sid-${n}`, user, ...credential, iat: now, exp: now + 3600 })}`;
}
