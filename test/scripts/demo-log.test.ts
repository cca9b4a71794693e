/** The demo's console lines: one short line per request, other lines readable, nothing lost. */
import { createDemoLogStream, formatLogLine } from '../../scripts/demo-log';

const at = new Date(2026, 0, 2, 13, 2, 11).getTime();
const line = (fields: Record<string, unknown>): string => JSON.stringify({ level: 30, time: at, pid: 1, hostname: 'h', ...fields });

test('a completed request: time, method, path, status, whole milliseconds', () => {
  expect(formatLogLine(line({ reqId: 'req-1', method: 'POST', url: '/api/session', statusCode: 200, responseTime: 2.51, msg: 'request completed' }))).toBe('13:02:11 POST /api/session 200 3 ms');
});

test('other lines: the message with its plain fields, the level from warnings up, the error message', () => {
  expect(formatLogLine(line({ sub: 'site-alice', msg: 'back-channel logout' }))).toBe('13:02:11 back-channel logout sub=site-alice');
  expect(formatLogLine(line({ level: 50, msg: 'login failed', err: { message: 'connect ECONNREFUSED', stack: '…' } }))).toBe('13:02:11 ERROR login failed (connect ECONNREFUSED)');
  expect(formatLogLine(line({ level: 40, method: 'GET', url: '/nope', msg: 'route not found' }))).toBe('13:02:11 WARN route not found method=GET url=/nope');
});

test('the listening line is left to the demo; a line that is not JSON passes as it is', () => {
  expect(formatLogLine(line({ msg: 'Server listening at http://127.0.0.1:3001' }))).toBeUndefined();
  expect(formatLogLine('plain text')).toBe('plain text');
});

test('the stream writes whole lines only, however pino cuts its writes', () => {
  let written = '';
  const stream = createDemoLogStream({ write: (text: string) => ((written += text), true) } as unknown as NodeJS.WritableStream);
  const full = line({ msg: 'one' }) + '\n' + line({ msg: 'two' }) + '\n';
  stream.write(full.slice(0, 30));
  expect(written).toBe('');
  stream.write(full.slice(30));
  expect(written).toBe('13:02:11 one\n13:02:11 two\n');
});
