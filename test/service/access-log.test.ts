/** One access line per request, without the query string; every other line keeps the redaction. */
import Fastify from 'fastify';
import { AccessLogController, loggerOptions, pathOf, requestLogger } from '../../service/logger';
import { cookieJar, LogCapture, login, PASSWORD, RC_ORIGIN, startHarness } from './support/harness';

type Line = Record<string, unknown>;
const parse = (logs: LogCapture): Line[] => logs.text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line);

test('pathOf drops the query string', () => {
  expect(pathOf('/login?code=abc&state=x')).toBe('/login');
  expect(pathOf('/api/session')).toBe('/api/session');
  expect(pathOf('/?')).toBe('/');
});

test('the companion writes one line per request: id, method, path, status, time; never the query', async () => {
  const h = await startHarness();
  try {
    const jar = cookieJar();
    await login(h.app, jar, 'alice', PASSWORD);
    h.logs.lines.length = 0;
    const api = await h.app.inject({ method: 'POST', url: '/api/session?code=oauth-code-from-the-query', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(api.statusCode).toBe(200);
    await h.app.inject({ method: 'GET', url: '/no-such-page?token=query-token' });
    const lines = parse(h.logs);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      reqId: expect.stringMatching(/^req-/),
      method: 'POST',
      url: '/api/session',
      statusCode: 200,
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
    expect(lines[1]).toMatchObject({ method: 'GET', url: '/no-such-page', statusCode: 404, msg: 'request completed' });
    expect(lines[0].reqId).not.toBe(lines[1].reqId);
    expect(h.logs.text).not.toContain('incoming request');
    expect(h.logs.text).not.toContain('oauth-code-from-the-query');
    expect(h.logs.text).not.toContain('query-token');
  } finally {
    await h.close();
  }
});

test('no access line below its level', async () => {
  const h = await startHarness({ env: { LOG_LEVEL: 'warn' } });
  try {
    await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(h.logs.text).toBe('');
  } finally {
    await h.close();
  }
});

describe('request.log, made on first use', () => {
  async function appWith(level: string) {
    const logs = new LogCapture();
    const controller = new AccessLogController();
    const app = Fastify({ logger: loggerOptions(level, logs), logController: controller, childLoggerFactory: requestLogger });
    controller.attach(app.log);
    app.get('/careless', async (request) => {
      request.log.debug('not at info');
      request.log.info({ loginToken: 'held-token', nested: { password: 'pw' }, sub: 'sub-alice' }, 'careless handler');
      request.log.child({ step: 'two' }).warn({ cookie: 'a=b' }, 'child of the request logger');
      return { level: request.log.level };
    });
    app.get('/quiet', async () => ({ ok: true }));
    await app.ready();
    return { app, logs };
  }

  test('it carries the request id and keeps the redaction', async () => {
    const { app, logs } = await appWith('info');
    try {
      const response = await app.inject({ method: 'GET', url: '/careless' });
      expect(response.json()).toEqual({ level: 'info' });
      const [careless, child, access] = parse(logs);
      expect(careless).toMatchObject({ reqId: access.reqId, loginToken: '[redacted]', nested: { password: '[redacted]' }, sub: 'sub-alice', msg: 'careless handler' });
      expect(child).toMatchObject({ reqId: access.reqId, step: 'two', cookie: '[redacted]', msg: 'child of the request logger' });
      expect(access).toMatchObject({ url: '/careless', statusCode: 200, msg: 'request completed' });
      expect(logs.text).not.toContain('not at info');
      expect(logs.text).not.toContain('held-token');
    } finally {
      await app.close();
    }
  });

  test('levels the parent drops write nothing; debug when enabled', async () => {
    const { app, logs } = await appWith('debug');
    try {
      await app.inject({ method: 'GET', url: '/careless' });
      expect(parse(logs)[0]).toMatchObject({ level: 20, msg: 'not at info' });
    } finally {
      await app.close();
    }
  });
});
