/**
 * Faults through the whole product (startStack: Rocket.Chat stand-in, the packaged App in the
 * real Apps-Engine, the companion). Rocket.Chat's REST API fails in each way; the App endpoint
 * goes away; the companion restarts mid-login; two first logins race. Every answer comes within
 * the timeout budget, is 401/503 with nothing internal in it, and nothing is left half-done.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../service/app';
import { loadConfig } from '../../service/config';
import { createLocalIdentity } from '../../service/identity/local';
import { createFileUserStore } from '../../service/users/file-store';
import { hashPassword } from '../../service/users/password';
import { createAssertionSigner } from '../../service/modes/app/assertion';
import { cookieJar, csrfFrom } from '../service/support/harness';
import { startStack, type Stack, type StackUser } from '../../devstack/stack';

const RC_TIMEOUT_MS = 400;
const APP_TIMEOUT_MS = 1500;
/** Generous: the configured timeouts plus a wide margin for a loaded 2-core machine. */
const BUDGET_MS = APP_TIMEOUT_MS + 8000;
const REST = /^\/api\/v1\//;

// Our own key pair and session secret, so a second companion can be started like the first.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SESSION_SECRET = randomBytes(32).toString('hex');

let stack: Stack;
let counter = 0;

beforeAll(async () => {
  stack = await startStack({
    appSettings: { rc_timeout_ms: RC_TIMEOUT_MS, assertion_public_keys: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    companionEnv: { APP_TIMEOUT_MS: String(APP_TIMEOUT_MS), LOGIN_RATE_LIMIT_PER_MINUTE: '1000', API_RATE_LIMIT_PER_MINUTE: '1000', ASSERTION_PRIVATE_KEY: PRIVATE_PEM, SESSION_SECRET },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await stack.rocketChat.faults.clear();
});

async function newSiteUser(): Promise<StackUser> {
  counter += 1;
  const user = { username: `fault${counter}`, password: 'fault password 123', email: `fault${counter}@example.com`, name: `Fault ${counter}` };
  await stack.addSiteUser(user);
  return user;
}

async function formLogin(app: FastifyInstance, user: StackUser, jar = cookieJar()) {
  const page = await app.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: jar.header(), origin: stack.companionUrl, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username: user.username, password: user.password, _csrf: csrfFrom(page.body) }).toString(),
  });
  jar.take(response.headers['set-cookie']);
  return { response, jar };
}

const apiSession = (app: FastifyInstance, cookie: string) => app.inject({ method: 'POST', url: '/api/session', headers: { origin: stack.rocketChat.url, cookie } });

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

function noInternals(response: LightMyRequestResponse): void {
  expect(response.body).not.toMatch(/"stack"|[A-Z]\w*Error\b|ECONNREFUSED|ECONNRESET|\bat \S+ \(|node_modules|\.(ts|js):\d+|rocketchat_unavailable|\/api\/v1|127\.0\.0\.1/);
}

const accounts = (username: string) => stack.rocketChat.users().filter((u) => u.username.toLowerCase() === username.toLowerCase());

describe('Rocket.Chat REST failing under the App (real engine)', () => {
  test.each([
    ['down (connections dropped)', { down: true, paths: REST }],
    ['slow beyond the App timeout', { delayMs: RC_TIMEOUT_MS + 1500, paths: REST }],
    ['answering 500', { status: 500, paths: REST }],
    ['answering 429', { status: 429, paths: REST }],
    ['answering malformed JSON', { malformed: true, paths: REST }],
    ['failing only at the token step', { status: 500, paths: /^\/api\/v1\/(users\.createToken|login)/ }],
  ])('%s: login page 503, API URL 503 with an empty body, in budget; after recovery one account', async (_name, fault) => {
    const user = await newSiteUser();
    await stack.rocketChat.faults.set(fault);
    const { value: { response, jar }, ms } = await timed(() => formLogin(stack.companion, user));
    expect(response.statusCode).toBe(503);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(response.body).not.toContain('login-with-token');
    noInternals(response);
    const api = await timed(() => apiSession(stack.companion, jar.header()));
    expect({ status: api.value.statusCode, body: api.value.body }).toEqual({ status: 503, body: '' });
    expect(api.ms).toBeLessThan(BUDGET_MS);
    expect(accounts(user.username).length).toBeLessThanOrEqual(1);

    await stack.rocketChat.faults.clear();
    // A slow Rocket.Chat may still finish work the App gave up on: give it time to land.
    if ('delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, 1600));
    const recovered = await apiSession(stack.companion, jar.header());
    expect(recovered.statusCode).toBe(200);
    expect(JSON.parse(recovered.body)).toEqual({ loginToken: expect.any(String) });
    expect(accounts(user.username)).toHaveLength(1);
  });
});

describe('the App endpoint itself unreachable', () => {
  test('Rocket.Chat (and so the App) down: 503 page and 503 empty API answer within budget; nothing created', async () => {
    const user = await newSiteUser();
    await stack.rocketChat.faults.set({ down: true });
    try {
      const { value: { response, jar }, ms } = await timed(() => formLogin(stack.companion, user));
      expect(response.statusCode).toBe(503);
      expect(ms).toBeLessThan(BUDGET_MS);
      noInternals(response);
      const api = await apiSession(stack.companion, jar.header());
      expect({ status: api.statusCode, body: api.body }).toEqual({ status: 503, body: '' });
    } finally {
      await stack.rocketChat.faults.clear();
    }
    expect(accounts(user.username)).toHaveLength(0);
  });

  test('the App endpoint slower than APP_TIMEOUT_MS: 503 within budget', async () => {
    const user = await newSiteUser();
    await stack.rocketChat.faults.set({ delayMs: APP_TIMEOUT_MS + 1500, paths: /^\/api\/apps\// });
    const { value: { response, jar }, ms } = await timed(() => formLogin(stack.companion, user));
    expect(response.statusCode).toBe(503);
    expect(ms).toBeLessThan(BUDGET_MS);
    const api = await timed(() => apiSession(stack.companion, jar.header()));
    expect({ status: api.value.statusCode, body: api.value.body }).toEqual({ status: 503, body: '' });
    expect(api.ms).toBeLessThan(BUDGET_MS);
  });
});

describe('companion restarted mid-login', () => {
  test('a second instance with the same SESSION_SECRET accepts the session; an assertion minted before the restart stays single use', async () => {
    const user = await newSiteUser();
    const { response, jar } = await formLogin(stack.companion, user);
    expect(response.statusCode).toBe(200);
    const appLoginUrl = `${stack.rocketChat.url}/api/apps/public/${stack.engine.appId}/login`;
    const config = loadConfig({
      ROCKETCHAT_URL: stack.rocketChat.url,
      PUBLIC_URL: stack.companionUrl,
      TOKEN_MODE: 'app',
      APP_LOGIN_URL: appLoginUrl,
      ASSERTION_ISSUER: stack.companionUrl,
      ASSERTION_AUDIENCE: stack.rocketChat.url,
      ASSERTION_PRIVATE_KEY: PRIVATE_PEM,
      SESSION_SECRET,
      IDENTITY_SOURCE: 'local',
      LOCAL_USERS_FILE: join(mkdtempSync(join(tmpdir(), 'rcib-restart-')), 'users.json'),
      LOG_LEVEL: 'silent',
    });
    // An assertion signed with the first instance's key, used once.
    const signer = createAssertionSigner({ key: config.assertion.key!, issuer: config.assertion.issuer, audience: config.assertion.audience, lifetimeSeconds: config.assertion.lifetimeSeconds });
    const assertion = await signer.sign({ sub: `site-${user.username}`, username: user.username, email: user.email, email_verified: true, name: user.name });
    const appLogin = (body: string) => fetch(appLoginUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await appLogin(JSON.stringify({ assertion }))).status).toBe(200);

    const store = createFileUserStore(config.localUsersFile!);
    await store.add({ sub: `site-${user.username}`, username: user.username, email: user.email, email_verified: true, name: user.name, passwordHash: await hashPassword(user.password), disabled: false, createdAt: new Date().toISOString() });
    const restarted = await buildApp({ config, deps: { identity: createLocalIdentity(store) } });
    try {
      await restarted.ready();
      const api = await apiSession(restarted, jar.header());
      expect(api.statusCode).toBe(200);
      expect(JSON.parse(api.body)).toEqual({ loginToken: expect.any(String) });
      const replay = await appLogin(JSON.stringify({ assertion }));
      expect(replay.status).toBe(401);
      expect(await replay.json()).toEqual({ error: 'invalid_assertion', reason: 'replayed' });
    } finally {
      await restarted.close();
    }
    expect(accounts(user.username)).toHaveLength(1);
  });
});

describe('two first logins of the same new user at the same moment (App mode, real engine)', () => {
  test('exactly one account results, and both browsers end up logged in', async () => {
    const user = await newSiteUser();
    const [a, b] = await Promise.all([formLogin(stack.companion, user), formLogin(stack.companion, user)]);
    const statuses = [a.response.statusCode, b.response.statusCode].sort();
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses).toContain(200);
    expect(accounts(user.username)).toHaveLength(1);
    for (const jar of [a.jar, b.jar]) expect((await apiSession(stack.companion, jar.header())).statusCode).toBe(200);
    expect(accounts(user.username)).toHaveLength(1);
  });
});
