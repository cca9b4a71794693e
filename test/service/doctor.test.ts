/**
 * `npm run doctor` against the whole product on localhost (all PASS, loopback http a WARN), then
 * against deployments broken one way at a time — each check's failure seen at least once.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../service/config';
import { httpsCheck, replicasCheck } from '../../service/doctor/deployment-checks';
import { createContext, failed, formatResults, runDoctor } from '../../service/doctor/run';
import type { CheckResult } from '../../service/doctor/types';
import { startStack, type Stack } from '../../devstack/stack';

jest.setTimeout(120_000);
const root = join(__dirname, '..', '..');

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // `localhost`, while Rocket.Chat is on 127.0.0.1: another site, as the stack's companion is.
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A companion gone wrong: CORS for any origin, no CSP, a plain cookie, and a clock two minutes fast. */
function fakeCompanion(cors: 'reflect' | 'star'): Handler {
  return (request, response) => {
    response.setHeader('date', new Date(Date.now() + 120_000).toUTCString());
    const origin = request.headers.origin;
    if (origin) {
      response.setHeader('access-control-allow-origin', cors === 'star' ? '*' : origin);
      if (cors === 'reflect') response.setHeader('access-control-allow-credentials', 'true');
    }
    if (request.url?.startsWith('/login')) response.setHeader('set-cookie', 'sid=abc; Path=/');
    const status = request.url?.startsWith('/api/session') && request.method !== 'OPTIONS' ? 401 : 200;
    response.writeHead(status, { 'content-type': 'text/html' }).end('<html></html>');
  };
}

const byTitle = (results: CheckResult[], pattern: RegExp): CheckResult => {
  const found = results.find((r) => pattern.test(r.title));
  if (!found) throw new Error(`no check matching ${pattern}`);
  return found;
};
const expectFail = (results: CheckResult[], pattern: RegExp, detail?: RegExp) => {
  const result = byTitle(results, pattern);
  expect(result).toMatchObject({ outcome: 'FAIL' });
  expect(result.fix).toBeTruthy();
  if (detail) expect(result.detail).toMatch(detail);
};

test('the replicas check: any number with MONGODB_URL, one process without', async () => {
  const context = (mongo: Config['mongo']) => createContext({ mongo } as Config);
  expect((await replicasCheck(context({ url: 'mongodb://db/bridge' } as Config['mongo']))).detail).toMatch(/shared through MongoDB: run as many replicas/);
  expect((await replicasCheck(context(undefined))).detail).toMatch(/^one replica: .* live in this process/);
});

describe('npm run doctor', () => {
  let stack: Stack;
  let config: Config;

  beforeAll(async () => {
    stack = await startStack({ companionEnv: { COOKIE_PARTITIONED: 'true', BACKCHANNEL_SECRET: 'backchannel-secret-of-at-least-32-bytes!' } });
    config = stack.companionConfig;
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('a correct deployment: every check passes (http on loopback is only a warning)', async () => {
    const results = await runDoctor(config);
    const report = formatResults(results);
    expect(results.filter((r) => r.outcome !== 'PASS').map((r) => [r.title, r.outcome])).toEqual([['HTTPS on both URLs', 'WARN']]);
    expect(results).toHaveLength(14);
    expect(failed(results)).toBe(false);
    expect(report).toMatch(/^PASS {2}The App verifies our assertions/m);
    // Without MONGODB_URL the doctor says one process is the shape this configuration supports.
    expect(report).toMatch(/^PASS {2}Replicas: one replica: .*set MONGODB_URL before running more than one/m);
    // Nothing the probes sent created a Rocket.Chat user.
    expect(stack.rocketChat.findUser({ username: 'doctor-probe' })).toBeUndefined();
  });

  test('the CLI reads the same environment, prints one line per check and exits 0; no secret in its output', async () => {
    const env = Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, String(v)]));
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'service', 'cli', 'doctor.ts')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    expect(stdout.split('\n').filter((line) => /^(PASS|WARN|FAIL|SKIP) /.test(line))).toHaveLength(14);
    expect(stdout).toContain('0 failed');
    expect(stdout).not.toContain(config.env.SESSION_SECRET);
    expect(stdout).not.toContain('PRIVATE KEY');
    expect(stdout).not.toContain('backchannel-secret');
  });

  test('the CLI exits 1 on a failure and 2 on invalid configuration', async () => {
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'service', 'cli', 'doctor.ts')], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }).then(
        () => 0,
        (error: { code?: number }) => error.code,
      );
    const env = Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, String(v)]));
    expect(await run({ ...env, ROCKETCHAT_URL: 'http://127.0.0.1:1' })).toBe(1);
    expect(await run({ ROCKETCHAT_URL: 'nope' })).toBe(2);
  });

  test("wrong Iframe settings in Rocket.Chat", async () => {
    stack.rocketChat.setIframe({ enabled: false, apiUrl: 'https://elsewhere.example/api/session' });
    try {
      const results = await runDoctor(config);
      expectFail(results, /Iframe settings/, /Accounts_iframe_enabled is false.*Accounts_Iframe_api_url is "https:\/\/elsewhere/);
      expect(failed(results)).toBe(true);
    } finally {
      stack.rocketChat.setIframe({ enabled: true, apiUrl: `${stack.companionUrl}/api/session` });
    }
  });

  test('Rocket.Chat or the companion unreachable', async () => {
    const closed = await serve(() => undefined);
    await closeServer(closed.server);
    const results = await runDoctor({ ...config, rocketChatUrl: closed.url, publicUrl: new URL(closed.url) });
    expectFail(results, /^Rocket.Chat reachable/, /ECONNREFUSED/);
    expectFail(results, /^Companion reachable/, /ECONNREFUSED/);
  });

  test('plain http on a public name fails the HTTPS check', async () => {
    const result = await httpsCheck(createContext({ ...config, rocketChatUrl: 'http://chat.example.com' }));
    expect(result).toMatchObject({ outcome: 'FAIL', detail: 'ROCKETCHAT_URL and PUBLIC_URL use plain http' });
    const local = await httpsCheck(createContext({ ...config, rocketChatUrl: 'https://chat.example.com', publicUrl: new URL('http://auth.example.com') }));
    expect(local).toMatchObject({ outcome: 'FAIL', detail: 'PUBLIC_URL uses plain http' });
  });

  test('a companion reflecting any origin, without frame-ancestors, with a plain cookie and a fast clock', async () => {
    const fake = await serve(fakeCompanion('reflect'));
    try {
      const results = await runDoctor({ ...config, publicUrl: new URL(fake.url), publicOrigin: fake.url });
      expectFail(results, /CORS refuses a foreign origin/, /doctor-probe\.example\.invalid was granted/);
      expectFail(results, /framed by Rocket.Chat only/, /no frame-ancestors/);
      expectFail(results, /Cookie attributes for a cross-site/, /sid lacks Secure.*SameSite=\(unset, Lax\)/);
      expectFail(results, /Clocks/, /12\d s|11\d s/);
      expectFail(results, /CORS preflight/, /Content-Type is not an allowed header/);
      expectFail(results, /Back-channel/, /answered 200 to an invalid token/);
    } finally {
      await closeServer(fake.server);
    }
  });

  test('a companion answering CORS with * and no credentials', async () => {
    const fake = await serve(fakeCompanion('star'));
    try {
      const results = await runDoctor({ ...config, publicUrl: new URL(fake.url), publicOrigin: fake.url });
      expectFail(results, /Credentialed API URL call/, /Access-Control-Allow-Origin is "\*"/);
      expectFail(results, /CORS preflight/, /Access-Control-Allow-Credentials is null/);
    } finally {
      await closeServer(fake.server);
    }
  });

  test('the App not configured', async () => {
    const fake = await serve((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ configured: false, missing: ['rc_admin_token'], version: '0.1.0' })));
    try {
      const app = config.app as NonNullable<Config['app']>;
      const results = await runDoctor({ ...config, app: { ...app, statusUrl: `${fake.url}/status`, loginUrl: `${fake.url}/login` } });
      expectFail(results, /App status/, /missing: rc_admin_token/);
    } finally {
      await closeServer(fake.server);
    }
  });

  test('an issuer the App does not expect, and a key it does not hold', async () => {
    const wrongIssuer = await runDoctor({ ...config, assertion: { ...config.assertion, issuer: 'https://typo.example' } });
    expectFail(wrongIssuer, /verifies our assertions/, /refused as "wrong_issuer"/);
    expect(byTitle(wrongIssuer, /verifies our assertions/).fix).toContain('ASSERTION_ISSUER');

    const { privateKey } = generateKeyPairSync('ed25519');
    const wrongKey = await runDoctor({ ...config, assertion: { ...config.assertion, key: { alg: 'EdDSA', key: privateKey } } });
    expectFail(wrongKey, /verifies our assertions/, /expecting "expired" was refused as "(bad_signature|unknown_key)"/);
    expect(stack.rocketChat.findUser({ username: 'doctor-probe' })).toBeUndefined();
  });

  test('an assertion lifetime over what the App allows', async () => {
    const results = await runDoctor({ ...config, assertion: { ...config.assertion, lifetimeSeconds: 120 } });
    expectFail(results, /verifies our assertions/, /lifetime_too_long/);
  });
});

describe('npm run doctor, back-channel not served', () => {
  test('BACKCHANNEL_SECRET set for the doctor but the companion answering 404 fails; unset is a SKIP', async () => {
    const stack = await startStack();
    try {
      const config = stack.companionConfig;
      const skipped = await runDoctor(config);
      expect(skipped.find((r) => /Back-channel/.test(r.title))).toMatchObject({ outcome: 'SKIP' });
      const results = await runDoctor({ ...config, backchannel: { secret: new Uint8Array(32), appIssuer: 'a', audience: 'b' } });
      expectFail(results, /Back-channel/, /answered 404/);
    } finally {
      await stack.close();
    }
  });
});
