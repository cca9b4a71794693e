/**
 * Request translation details of the HTTP bridge that the probe App does not reach:
 * basic auth, params as a form body, raw bytes when the App asks for encoding null.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import type { IHttpBridgeRequestInfo } from '@rocket.chat/apps-engine/server/bridges/HttpBridge';
import { createHttpBridge } from '../../devstack/engine/bridges/http';
import { loadEngineModules } from '../../devstack/engine/engine-module';
import { prepareRuntime } from '../../devstack/engine/prepare-runtime';

type Call = (info: IHttpBridgeRequestInfo) => Promise<IHttpResponse>;

describe('HTTP bridge request translation', () => {
  let call: Call;
  let server: Server;
  let base: string;
  const seen: Array<{ req: IncomingMessage; body: string }> = [];

  beforeAll(async () => {
    const engine = loadEngineModules((await prepareRuntime()).engineDir);
    const bridge = createHttpBridge(engine.bridges.HttpBridge) as unknown as { call: Call };
    call = (info) => bridge.call(info);
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({ req, body });
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
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
    seen.length = 0;
  });

  const request = (method: string, path: string, options: IHttpBridgeRequestInfo['request']): IHttpBridgeRequestInfo =>
    ({ appId: 'app', method, url: `${base}${path}`, request: options }) as IHttpBridgeRequestInfo;

  it('turns auth into a Basic Authorization header and refuses a malformed one', async () => {
    await call(request('get', '/auth', { auth: 'user:pa:ss' }));
    expect(seen[0].req.headers.authorization).toBe(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    await expect(call(request('get', '/auth', { auth: 'no-colon' }))).rejects.toThrow('username:password');
  });

  it('sends params as a form body on a POST without content', async () => {
    await call(request('post', '/form', { params: { a: '1', b: 'x y' } }));
    expect(seen[0].body).toBe('a=1&b=x+y');
    expect(seen[0].req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0].req.url).toBe('/form');
  });

  it('keeps a content type the App set for JSON data', async () => {
    await call(request('post', '/json', { data: { a: 1 }, headers: { 'content-type': 'application/vnd.api+json' } }));
    expect(seen[0].req.headers['content-type']).toBe('application/vnd.api+json');
    expect(seen[0].body).toBe('{"a":1}');
  });

  it('answers raw bytes for encoding null and text otherwise, with data only for JSON', async () => {
    const raw = await call(request('get', '/bytes', { encoding: null }));
    expect(Buffer.isBuffer(raw.content)).toBe(true);
    expect([...(raw.content as unknown as Buffer)]).toEqual([0, 1, 2, 255]);
    const text = await call(request('get', '/bytes', {}));
    expect(typeof text.content).toBe('string');
    expect(text.data).toBeNull();
    expect(text).toMatchObject({ statusCode: 200, method: 'get', url: `${base}/bytes`, headers: { 'content-type': 'application/octet-stream' } });
  });
});
