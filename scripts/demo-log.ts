/**
 * The demo's console: the companion's pino lines (one JSON object a line, as production logs
 * them for collectors) turned into one short line a person reads, e.g.
 * `13:02:11 POST /api/session 200 3 ms`. Only the demo uses it; the companion keeps its JSON.
 */
import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line carries, or that the line's own shape already shows. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'reqId', 'msg', 'err']);

const pad = (n: number): string => String(n).padStart(2, '0');
function clock(time: unknown): string {
  const at = typeof time === 'number' ? new Date(time) : new Date();
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** One pino line as the demo shows it; undefined for lines the demo says in its own words. */
export function formatLogLine(line: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object') return line;
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  // The demo prints its own "companion on … ready" line.
  if (msg.startsWith('Server listening at')) return undefined;
  const level = typeof entry.level === 'number' && entry.level >= 40 ? ` ${LEVELS[entry.level] ?? entry.level}` : '';
  const time = clock(entry.time);
  if (typeof entry.method === 'string' && typeof entry.url === 'string' && entry.statusCode !== undefined) {
    const took = typeof entry.responseTime === 'number' ? ` ${Math.round(entry.responseTime)} ms` : '';
    return `${time}${level} ${entry.method} ${entry.url} ${String(entry.statusCode)}${took}`;
  }
  const extra = Object.entries(entry)
    .filter(([key, value]) => !SHOWN.has(key) && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}=${String(value)}`);
  const err = entry.err as { message?: unknown } | undefined;
  if (err && typeof err.message === 'string') extra.push(`(${err.message})`);
  return [`${time}${level} ${msg}`, ...extra].join(' ');
}

/** A stream for pino that writes each line to `out` formatted; a partial line waits for its end. */
export function createDemoLogStream(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const shown = line.trim() === '' ? undefined : formatLogLine(line);
        if (shown !== undefined) out.write(`${shown}\n`);
      }
      done();
    },
  });
}
