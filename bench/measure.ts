/** The two ways a row is measured, both failing loudly on any non-2xx answer. */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface Measurement {
  requests: number;
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Rows measured in turn: the req/s of each slice, in the order taken (ratios pair them with the baseline's). */
  slices?: number[];
  /**
   * Row 2m: the commands the MongoDB stand-in received while the row's group ran, by kind (see
   * bench/mongo-process.ts). Summed over passes in the results, never a median.
   */
  mongoCommands?: Record<string, number>;
}

export class RowFailed extends Error {
  constructor(row: string, detail: string) {
    super(`row ${row}: ${detail} — a refused request is not throughput; nothing from this row is reported`);
    this.name = 'RowFailed';
  }
}

/** Saturating load: `connections` keep-alive connections for `seconds`. Latency resolution is 1 ms (autocannon's). */
export async function cannon(row: string, options: { url: string; connections: number; seconds: number; method?: string; headers?: Record<string, string>; body?: string }): Promise<Measurement> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    timeout: 10,
  });
  failOnRefusals(row, result);
  if (result['2xx'] === 0) throw new RowFailed(row, 'no request completed');
  return { requests: result['2xx'], rps: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99 };
}

export interface CannonRow {
  id: string;
  options: { url: string; method?: string; headers?: Record<string, string>; body?: string };
}

/**
 * Saturating load on several rows in turn, `slices` slices of `sliceSeconds` each, so that a ratio
 * between them (row 2 ÷ row 1) is taken under the same machine load rather than minutes apart.
 * req/s sums each row's slices, and each slice's own is kept for the ratios; latencies are every
 * answer's own (µs resolution, not autocannon's whole milliseconds), gathered across slices.
 */
export async function cannonInTurn(rows: CannonRow[], options: { connections: number; sliceSeconds: number; slices: number }): Promise<Measurement[]> {
  const totals = rows.map(() => ({ answered: 0, seconds: 0, latencies: [] as number[], slices: [] as number[] }));
  for (let slice = 0; slice < options.slices; slice++) {
    for (const [index, row] of rows.entries()) {
      const total = totals[index];
      const run = autocannon({ ...row.options, method: row.options.method ?? 'GET', connections: options.connections, duration: options.sliceSeconds, timeout: 10 });
      run.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) total.latencies.push(ms);
      });
      const result = await run;
      failOnRefusals(row.id, result);
      total.answered += result['2xx'];
      total.seconds += result.duration;
      total.slices.push(result['2xx'] / result.duration);
    }
  }
  return rows.map((row, index) => {
    const { answered, seconds, latencies, slices } = totals[index];
    if (answered === 0) throw new RowFailed(row.id, 'no request completed');
    latencies.sort((a, b) => a - b);
    return { requests: answered, rps: answered / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), slices };
  });
}

function failOnRefusals(row: string, result: autocannon.Result): void {
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    const codes = Object.entries(result.statusCodeStats)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${count}× ${code}`)
      .join(', ');
    throw new RowFailed(row, `${result.non2xx} non-2xx (${codes || 'none'}), ${result.errors} errors, ${result.timeouts} timeouts`);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A bounded loop of `concurrency` workers, for requests that each need fresh input (a new
 * assertion, prepared outside the timed part) or sub-millisecond latencies. Stops at `seconds`
 * or `maxRequests`, whichever comes first.
 */
export async function loop<T>(
  row: string,
  options: { concurrency: number; seconds: number; maxRequests: number; prepare: () => Promise<T> | T; request: (input: T) => Promise<number> },
): Promise<Measurement> {
  const latencies: number[] = [];
  const refused = new Map<number, number>();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let issued = 0;
  const worker = async () => {
    while (performance.now() < deadline && issued < options.maxRequests) {
      issued++;
      const input = await options.prepare();
      const begin = performance.now();
      const status = await options.request(input);
      const took = performance.now() - begin;
      if (status >= 200 && status < 300) latencies.push(took);
      else refused.set(status, (refused.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  if (refused.size > 0) throw new RowFailed(row, `non-2xx: ${[...refused].map(([code, count]) => `${count}× ${code}`).join(', ')}`);
  if (latencies.length === 0) throw new RowFailed(row, 'no request completed');
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** One row's request of an `interleaved` group: its body made outside the timed part. */
export interface Call {
  prepare: () => Promise<string | undefined> | string | undefined;
  request: (body: string | undefined) => Promise<number>;
}

/**
 * Several rows' calls in turn, one request at a time, until `seconds` or each has made
 * `maxRequests`. A shared machine's load comes and goes within seconds; rows measured one
 * after another would each catch a different part of it, while calls taken in turn see the
 * same, so the differences between these rows hold. A row's req/s is its serial rate: its
 * answers ÷ the time spent waiting for them.
 */
export async function interleaved(rows: string[], calls: Call[], options: { seconds: number; maxRequests: number }): Promise<Measurement[]> {
  const latencies: number[][] = calls.map(() => []);
  const refused = calls.map(() => new Map<number, number>());
  const deadline = performance.now() + options.seconds * 1000;
  for (let round = 0; round < options.maxRequests && performance.now() < deadline; round++) {
    for (const [index, call] of calls.entries()) {
      const input = await call.prepare();
      const begin = performance.now();
      const status = await call.request(input);
      const took = performance.now() - begin;
      if (status >= 200 && status < 300) latencies[index].push(took);
      else refused[index].set(status, (refused[index].get(status) ?? 0) + 1);
    }
  }
  return rows.map((row, index) => {
    if (refused[index].size > 0) throw new RowFailed(row, `non-2xx: ${[...refused[index]].map(([code, count]) => `${count}× ${code}`).join(', ')}`);
    const taken = latencies[index].sort((a, b) => a - b);
    if (taken.length === 0) throw new RowFailed(row, 'no request completed');
    const waited = taken.reduce((sum, ms) => sum + ms, 0) / 1000;
    return { requests: taken.length, rps: taken.length / waited, p50: percentile(taken, 50), p99: percentile(taken, 99) };
  });
}
