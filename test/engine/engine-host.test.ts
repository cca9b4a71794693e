/**
 * The engine host itself: our packaged App and the test App run in the real Apps-Engine
 * and Deno runtime; requests reach them through execute() and over a real socket; the
 * bridges they call do real work (HTTP over sockets, settings, persistence).
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageTestApp, startEngine, TEST_APP_ID, type EngineHost } from '../../devstack/engine';

const ourAppId = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'app.json'), 'utf8')) as { id: string }).id;

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function denoChildren(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'deno'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Jest may run other files' engines in this process too (in band): only ours count. */
const denoBefore = new Set(denoChildren());
const ourDenoChildren = (): string[] => denoChildren().filter((pid) => !denoBefore.has(pid));

describe('engine host', () => {
  let engine: EngineHost;
  let testAppId: string;

  beforeAll(async () => {
    engine = await startEngine({
      serverSettings: { Site_Url: 'http://127.0.0.1:3999' },
      env: { NODE_ENV: 'test', SECRET_OF_THE_HOST: 'never readable' },
    });
    testAppId = await engine.install(await packageTestApp(), { greeting: 'hello from the test' });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    expect(ourDenoChildren()).toEqual([]);
  });

  const probe = (content: Record<string, unknown>) => engine.execute('probe', { method: 'POST', content }, testAppId);

  it('installs our packaged App and enables it', async () => {
    expect(engine.appId).toBe(ourAppId);
    expect(await engine.status()).toBe('manually_enabled');
    expect(ourDenoChildren().length).toBeGreaterThanOrEqual(2);
  });

  it('installs the test App beside it', async () => {
    expect(testAppId).toBe(TEST_APP_ID);
    expect(await engine.status(testAppId)).toBe('manually_enabled');
  });

  it('answers the test App empty endpoint through execute', async () => {
    await expect(engine.execute('empty', { method: 'GET' }, testAppId)).resolves.toMatchObject({ status: 200, content: {} });
    await expect(engine.execute('/empty', { method: 'POST', content: { ignored: true } }, testAppId)).resolves.toMatchObject({ status: 200, content: {} });
  });

  it('answers 404 for a path no App declared', async () => {
    await expect(engine.execute('nothing-here', { method: 'GET' }, testAppId)).resolves.toEqual({ status: 404 });
    await expect(engine.execute('empty', { method: 'GET' }, 'no-such-app')).resolves.toEqual({ status: 404 });
  });

  describe('over a real socket', () => {
    let server: Server;
    let base: string;

    beforeAll(async () => {
      ({ server, url: base } = await listen((req, res) => {
        engine.handleHttp(req, res).then((handled) => {
          if (!handled) res.writeHead(418).end('not an app endpoint');
        }, (error: unknown) => res.writeHead(599).end(String(error)));
      }));
    });

    afterAll(() => close(server));

    it('serves the empty endpoint as JSON', async () => {
      const response = await fetch(`${base}/api/apps/public/${testAppId}/empty`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({});
    });

    it('hands the App the parsed JSON body and reports what it saw', async () => {
      const response = await fetch(`${base}/api/apps/public/${testAppId}/probe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ op: 'server-setting', id: 'Site_Url' }),
      });
      expect(await response.json()).toEqual({ result: { value: 'http://127.0.0.1:3999' } });
    });

    it('answers 404 for unknown endpoints and Apps, and leaves other paths alone', async () => {
      expect((await fetch(`${base}/api/apps/public/${testAppId}/missing`)).status).toBe(404);
      expect((await fetch(`${base}/api/apps/public/not-an-app/empty`)).status).toBe(404);
      expect((await fetch(`${base}/somewhere/else`)).status).toBe(418);
    });

    it('rejects a malformed JSON body with 400, as the body parser does', async () => {
      const response = await fetch(`${base}/api/apps/public/${testAppId}/probe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      expect(response.status).toBe(400);
    });
  });

  describe('HTTP bridge', () => {
    let server: Server;
    let base: string;
    const seen: Recorded[] = [];
    const slowReplies: NodeJS.Timeout[] = [];

    beforeAll(async () => {
      ({ server, url: base } = await listen((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
          if (req.url?.startsWith('/slow')) {
            slowReplies.push(setTimeout(() => res.writeHead(200).end('late'), 1500));
            return;
          }
          res.writeHead(201, { 'content-type': 'application/json', 'x-stand-in': 'yes' }).end(JSON.stringify({ ok: true, echo: body }));
        });
      }));
    });

    afterAll(async () => {
      slowReplies.forEach(clearTimeout);
      await close(server);
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it('really sends the App request, with its headers, JSON data and params', async () => {
      const reply = await probe({
        op: 'http',
        method: 'post',
        url: `${base}/api/v1/users.create`,
        options: { headers: { 'X-Auth-Token': 'secret-token' }, data: { username: 'alice' }, params: { q: 'x' } },
      });
      expect(reply.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/users.create?q=x', body: '{"username":"alice"}' });
      expect(seen[0].headers).toMatchObject({ 'x-auth-token': 'secret-token', 'content-type': 'application/json' });
      expect(reply.content).toMatchObject({
        result: { statusCode: 201, data: { ok: true, echo: '{"username":"alice"}' }, headers: { 'x-stand-in': 'yes' } },
      });
    });

    it('sends string content as is and GET params in the query', async () => {
      await probe({ op: 'http', method: 'put', url: `${base}/raw`, options: { content: 'plain words', headers: { 'Content-Type': 'text/plain' } } });
      await probe({ op: 'http', method: 'get', url: `${base}/list`, options: { params: { count: '2' } } });
      expect(seen.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
        { method: 'PUT', url: '/raw', body: 'plain words' },
        { method: 'GET', url: '/list?count=2', body: '' },
      ]);
    });

    it('honours the request timeout', async () => {
      const started = Date.now();
      const reply = await probe({ op: 'http', url: `${base}/slow`, options: { timeout: 200 } });
      expect(Date.now() - started).toBeLessThan(1400);
      expect(reply).toMatchObject({ status: 500, content: { error: expect.stringContaining('timed out after 200 ms') } });
    });

    it('reports a refused connection as an error to the App', async () => {
      const { server: gone, url } = await listen(() => undefined);
      await close(gone);
      const reply = await probe({ op: 'http', url: `${url}/nobody` });
      expect(reply).toMatchObject({ status: 500, content: { error: expect.stringContaining('failed') } });
    });
  });

  describe('settings', () => {
    it('applies install-time settings', async () => {
      await expect(probe({ op: 'setting', id: 'greeting' })).resolves.toMatchObject({ content: { result: { value: 'hello from the test' } } });
    });

    it('delivers an update to the App through onSettingUpdated', async () => {
      await engine.updateSetting('greeting', 'bonjour', testAppId);
      await expect(probe({ op: 'setting', id: 'greeting' })).resolves.toMatchObject({
        content: { result: { value: 'bonjour', lastSettingUpdate: { id: 'greeting', value: 'bonjour' } } },
      });
    });

    it('names the known settings when asked for an unknown one', async () => {
      await expect(engine.updateSetting('no_such_setting', 1, testAppId)).rejects.toThrow(/no setting "no_such_setting".*greeting/);
    });
  });

  describe('server settings, environment and persistence', () => {
    it('refuses server settings it does not hold, as Rocket.Chat does', async () => {
      await expect(probe({ op: 'server-setting', id: 'Unknown_Setting' })).resolves.toMatchObject({ status: 500, content: { error: expect.stringContaining('not readable') } });
    });

    it('exposes only the environment variables Rocket.Chat allows', async () => {
      await expect(probe({ op: 'env', name: 'NODE_ENV' })).resolves.toMatchObject({ content: { result: { value: 'test' } } });
      await expect(probe({ op: 'env', name: 'SECRET_OF_THE_HOST' })).resolves.toMatchObject({ status: 500, content: { error: expect.stringContaining('not readable') } });
    });

    it('keeps records by association across requests and upserts in place', async () => {
      const first = await probe({ op: 'persist', key: 'k1', data: { n: 1 } });
      const second = await probe({ op: 'persist', key: 'k1', data: { n: 2 } });
      expect(second.content).toEqual(first.content);
      await expect(probe({ op: 'read', key: 'k1' })).resolves.toMatchObject({ content: { result: { records: [{ n: 2 }] } } });
      await expect(probe({ op: 'read', key: 'other' })).resolves.toMatchObject({ content: { result: { records: [] } } });
    });
  });

  describe('users and permissions', () => {
    it('created the App bot user at install', async () => {
      await expect(probe({ op: 'app-user' })).resolves.toMatchObject({ content: { result: { user: { username: 'engine-host-test-app.bot', type: 'app', appId: testAppId } } } });
    });

    it('denies what the App did not declare in app.json, as Rocket.Chat does (not the engine test mode grant-all)', async () => {
      const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await expect(probe({ op: 'user', name: 'admin' })).resolves.toMatchObject({ status: 200, content: { result: { user: null } } });
        expect(consoleError).toHaveBeenCalledWith(expect.stringMatching(/lacks the following permissions:\s*\["user.read"\]/));
      } finally {
        consoleError.mockRestore();
      }
    });
  });

  it('keeps the engine log entries until cleared', async () => {
    await engine.execute('empty', { method: 'GET' }, testAppId);
    expect(engine.logs().length).toBeGreaterThan(0);
    engine.clearLogs();
    expect(engine.logs()).toEqual([]);
  });

  it('refuses a second engine in the same process', async () => {
    await expect(startEngine()).rejects.toThrow(/already running/);
  });
});
