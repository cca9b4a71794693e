/** The companion's JSON client: a body cap in bytes, one deadline, redirects answered, not followed. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonRequestError, requestJson } from '../../../service/http/json-client';

const CAP = 64 * 1024;
let server: Server;
let base: string;
let answer: (path: string) => { status: number; body?: string; headers?: Record<string, string> } | 'hang';

beforeAll(async () => {
  server = createServer((request, response) => {
    const reply = answer(request.url ?? '/');
    if (reply === 'hang') return;
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof JsonRequestError ? error.kind : error));

test('a body within the cap is parsed, multi-byte characters intact', async () => {
  const text = 'é'.repeat((CAP - 2) / 2); // the JSON string's quotes + 2 bytes per character = the cap exactly
  answer = () => ({ status: 200, body: JSON.stringify(text) });
  expect(Buffer.byteLength(JSON.stringify(text))).toBe(CAP);
  await expect(requestJson(new URL(`${base}/ok`), 'GET', 2000)).resolves.toEqual({ status: 200, body: text });
});

test('the cap counts bytes, not characters: 3-byte characters past it are refused', async () => {
  // 30 000 characters (well under the cap as a string's length), 90 000 bytes on the wire.
  const body = JSON.stringify('€'.repeat(30_000));
  expect(body.length).toBeLessThan(CAP);
  expect(Buffer.byteLength(body)).toBeGreaterThan(CAP);
  answer = () => ({ status: 200, body });
  expect(await failure(requestJson(new URL(`${base}/wide`), 'GET', 2000))).toBe('too_large');
});

test('one ASCII byte past the cap is refused', async () => {
  answer = () => ({ status: 200, body: JSON.stringify('a'.repeat(CAP - 1)) });
  expect(await failure(requestJson(new URL(`${base}/long`), 'POST', 2000, { a: 1 }))).toBe('too_large');
});

test('a redirect is answered as it is, not followed', async () => {
  answer = (path) => (path === '/moved' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200, body: '{"followed":true}' });
  await expect(requestJson(new URL(`${base}/moved`), 'GET', 2000)).resolves.toEqual({ status: 302, body: undefined });
});

test('no answer within the deadline is a timeout', async () => {
  answer = () => 'hang';
  expect(await failure(requestJson(new URL(`${base}/hang`), 'GET', 100))).toBe('timeout');
});
