/**
 * Routing and body handling of the HTTP adapter, against a stand-in for the engine: the
 * App sees what Rocket.Chat's router would hand it, and the reply is sent the Express way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAppHttp, type ApiCall, type ApiReply } from '../../devstack/engine/http-adapter';

describe('engine host HTTP adapter', () => {
  const calls: ApiCall[] = [];
  let reply: ApiReply;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const routes = {
      endpointPaths: (appId: string) => (appId === 'app-1' ? ['login', 'users/:id', '/status'] : undefined),
      dispatch: async (call: ApiCall) => {
        calls.push(call);
        return reply;
      },
    };
    server = createServer((req, res) => {
      void handleAppHttp(routes, req, res).then((handled) => {
        if (!handled) res.writeHead(418).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    calls.length = 0;
    reply = { status: 200, content: { ok: true } };
  });

  it('hands the App lower-case method and headers, the query and the parsed JSON body', async () => {
    const response = await fetch(`${base}/api/apps/public/app-1/login?next=%2Fhome`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Forwarded-For': '10.0.0.1' },
      body: JSON.stringify({ assertion: 'a.b.c' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ appId: 'app-1', endpointPath: 'login', method: 'post', query: { next: '/home' }, params: {}, content: { assertion: 'a.b.c' } });
    expect(calls[0].headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-forwarded-for': '10.0.0.1' });
  });

  it('fills :name params and accepts a declared path with a leading slash or a trailing one requested', async () => {
    await fetch(`${base}/api/apps/public/app-1/users/u%201`);
    await fetch(`${base}/api/apps/public/app-1/status/`);
    expect(calls.map(({ endpointPath, params, method }) => ({ endpointPath, params, method }))).toEqual([
      { endpointPath: 'users/:id', params: { id: 'u 1' }, method: 'get' },
      { endpointPath: '/status', params: {}, method: 'get' },
    ]);
  });

  it('parses form bodies and passes other text as is', async () => {
    await fetch(`${base}/api/apps/public/app-1/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two' });
    await fetch(`${base}/api/apps/public/app-1/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    await fetch(`${base}/api/apps/public/app-1/login`, { method: 'POST' });
    expect(calls.map((call) => call.content)).toEqual([{ a: '1', b: 'two' }, 'hello', undefined]);
  });

  it('routes private endpoints with their hash', async () => {
    await fetch(`${base}/api/apps/private/app-1/hash123/login`, { method: 'POST' });
    expect(calls[0]).toMatchObject({ endpointPath: 'login', privateHash: 'hash123' });
  });

  it('sends replies as Express does: objects as JSON, strings as HTML, the App headers kept', async () => {
    reply = { status: 401, headers: { 'X-Reason': 'expired' }, content: { error: 'invalid_assertion' } };
    const json = await fetch(`${base}/api/apps/public/app-1/login`, { method: 'POST' });
    expect(json.status).toBe(401);
    expect(json.headers.get('x-reason')).toBe('expired');
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json.json()).toEqual({ error: 'invalid_assertion' });

    reply = { status: 200, content: '<p>hi</p>' };
    const html = await fetch(`${base}/api/apps/public/app-1/login`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toBe('<p>hi</p>');

    reply = { status: 204 };
    const empty = await fetch(`${base}/api/apps/public/app-1/login`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('answers 404 without calling any App for unknown Apps and endpoints, and leaves other paths alone', async () => {
    expect((await fetch(`${base}/api/apps/public/app-2/login`)).status).toBe(404);
    expect((await fetch(`${base}/api/apps/public/app-1/users`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/me`)).status).toBe(418);
    expect(calls).toEqual([]);
  });

  it('refuses malformed JSON (400) and oversized bodies (413)', async () => {
    const bad = await fetch(`${base}/api/apps/public/app-1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
    const big = await fetch(`${base}/api/apps/public/app-1/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(calls).toEqual([]);
  });
});
