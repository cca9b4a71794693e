/**
 * MongoDB mode with the database going away (wire-level stand-in: test/support/mongo). The
 * login form and the API URL answer 503 (never 200, never a hang) within the driver's server
 * selection timeout plus margin, and recover when the database is back. The race of two first
 * logins in this mode is proven in test/service/mongo/token-issuer.wire.test.ts
 * ("race: two first logins of the same new user at once yield exactly one account").
 */
import { createDependencies } from '../../service/dependencies';
import { loadConfig } from '../../service/config';
import { createLocalIdentity } from '../../service/identity/local';
import { baseEnv, cookieJar, login, PASSWORD, RC_ORIGIN, seededStore, startHarness, type Harness } from '../service/support/harness';
import { startWireHarness, type WireHarness } from '../support/mongo/harness';

const BUDGET_MS = 20_000; // the driver's server selection timeout plus a wide margin

let wire: WireHarness;
let h: Harness;
let closeDeps: () => Promise<void>;

beforeAll(async () => {
  wire = await startWireHarness();
  const env = { TOKEN_MODE: 'mongo', MONGODB_URL: wire.server.url('rocketchat'), LOG_LEVEL: 'silent', API_RATE_LIMIT_PER_MINUTE: '1000', LOGIN_RATE_LIMIT_PER_MINUTE: '1000' };
  const deps = await createDependencies(loadConfig(baseEnv(env) as NodeJS.ProcessEnv));
  closeDeps = deps.close;
  const store = await seededStore();
  h = await startHarness({ store, env, deps: { issuer: deps.issuer, revocations: deps.revocations, identity: createLocalIdentity(store) } });
});
afterAll(async () => {
  await h?.close();
  await closeDeps?.();
  await wire?.close().catch(() => undefined);
});

const apiSession = (cookie: string) => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie } });

let sessionJar = cookieJar();

test('healthy: the login writes services.iframe.token and the API URL answers {token}', async () => {
  const jar = sessionJar;
  expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
  const api = await apiSession(jar.header());
  expect(api.statusCode).toBe(200);
  expect(Object.keys(api.json())).toEqual(['token']);
});

test('connections dropped mid-command: 503 or a retried success, never a crash or 5xx other than 503', async () => {
  wire.server.handle((command) => {
    if (command.name === 'find' || command.name === 'update') wire.server.dropConnections();
    return wire.fake.handler(command);
  });
  try {
    const response = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect([200, 503]).toContain(response.statusCode);
    expect(response.body).not.toMatch(/Mongo|ECONN|"stack"|\bat \S+ \(|\.ts:\d+/);
  } finally {
    wire.server.handle((command) => wire.fake.handler(command));
  }
});

// Last: it closes the server.
test('database unreachable: login page 503, API URL 503 with an empty body, both within budget', async () => {
  // The session made while the database was healthy (first test).
  const jar = sessionJar;
  await wire.server.close();
  let started = Date.now();
  const page = await login(h.app, cookieJar(), 'alice', PASSWORD);
  expect(Date.now() - started).toBeLessThan(BUDGET_MS);
  expect(page.statusCode).toBe(503);
  expect(page.body).not.toMatch(/Mongo|ECONN|127\.0\.0\.1|"stack"/);
  started = Date.now();
  const api = await apiSession(jar.header());
  expect(Date.now() - started).toBeLessThan(BUDGET_MS);
  // The revocation list cannot be read: fail closed (503), never hand out the held token.
  expect({ status: api.statusCode, body: api.body }).toEqual({ status: 503, body: '' });
}, 60_000);
