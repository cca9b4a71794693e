/**
 * Runs every row `passes` times in the same processes (row order fixed), sampling the target
 * process's memory after a full GC at the end of each row (rows taken in turn as a group share
 * one sample), and reduces each row to the median of its passes. `profile` instead runs rows 2 and 3 once each under the V8 CPU profiler.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from './measure';
import { isGroup, UNITS, type RowInfo, type RowOptions } from './rows';
import { RAISED_LIMITS, setUp, SHORT_LIVED_ASSERTIONS } from './setup';
import type { MemorySample } from './target';

export interface BenchOptions extends RowOptions {
  passes: number;
  /** Only these rows (ids), e.g. for profiling. */
  only?: string[];
  /** Write a .cpuprofile of each row's load window here (and --cpu-prof of the whole target process). */
  profileDir?: string;
  log?: (line: string) => void;
}

export interface RowResult {
  id: string;
  title: string;
  how: string;
  connections: number;
  passes: Measurement[];
  median: Measurement;
  baseline?: string;
  /** req/s of this row ÷ req/s of its baseline (see `ratioOf`). */
  ratio?: number;
  /** Target process memory after this row, one sample per pass. */
  memory: MemorySample[];
  /** Rocket.Chat REST calls per answered request in the last pass, by method and path. */
  rocketChatCallsPerRequest: Record<string, number>;
  /** Row 2m: MongoDB commands received while its group ran, all passes together, by kind. */
  mongoCommands?: Record<string, number>;
}

export interface BenchResult {
  date: string;
  node: string;
  cpus: number;
  /** 1-minute load average at the start and the end: other work on the machine skews every row. */
  loadAverage: { before: number; after: number };
  options: { seconds: number; connections: number; passes: number; loopConcurrency: number; maxLoopRequests: number };
  raisedLimits: Record<string, string>;
  /** Companion and App settings that make spent jti leave the stand-in's store sooner. */
  shortLivedAssertions: Record<string, string>;
  memoryBefore: MemorySample;
  /** Target process (companion, stand-ins, engine host) after the whole run. */
  memoryAfter: MemorySample;
  rows: RowResult[];
  profiles: string[];
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Entry {
  passes: Measurement[];
  memory: MemorySample[];
  calls: Record<string, number>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

function medianOf(passes: Measurement[]): Measurement {
  return {
    requests: median(passes.map((p) => p.requests)),
    rps: median(passes.map((p) => p.rps)),
    p50: median(passes.map((p) => p.p50)),
    p99: median(passes.map((p) => p.p99)),
  };
}

/**
 * A row's req/s ÷ its baseline's. Taken in turn with its baseline, each slice is set against the
 * baseline's slice of the same round, a second apart, and the median of those ratios is the
 * ratio: a burst of other work on the machine moves the pairs it falls on, not the verdict (the
 * medians of the passes, taken apart, pair one pass's quiet second with another's busy one).
 * Otherwise the ratio of the medians.
 */
export function ratioOf(row: RowResult, base: RowResult): number {
  const pairs = row.passes.flatMap((pass, index) => {
    const baseline = base.passes[index]?.slices;
    if (!pass.slices || !baseline || baseline.length !== pass.slices.length) return [];
    return pass.slices.map((rps, slice) => rps / baseline[slice]);
  });
  return pairs.length > 0 ? median(pairs) : row.median.rps / base.median.rps;
}

/** The MongoDB commands of every pass, summed; nothing when the row counts none. */
function mongoCommandsOf(passes: Measurement[]): { mongoCommands?: Record<string, number> } {
  if (!passes.some((p) => p.mongoCommands)) return {};
  const sum: Record<string, number> = {};
  for (const pass of passes) for (const [kind, n] of Object.entries(pass.mongoCommands ?? {})) sum[kind] = (sum[kind] ?? 0) + n;
  return { mongoCommands: sum };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  const units = UNITS.filter((unit) => !options.only || (isGroup(unit) ? unit.rows : [unit]).some((row) => options.only?.includes(row.id)));
  const rows: RowInfo[] = units.flatMap((unit) => (isGroup(unit) ? unit.rows : [unit]));
  log(`starting: Rocket.Chat stand-in, App in the Apps-Engine, companions (limits raised: ${Object.entries(RAISED_LIMITS).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const loadBefore = loadavg()[0];
  const setup = await setUp({ profileDir: options.profileDir });
  const results = new Map(rows.map((row) => [row.id, { passes: [] as Measurement[], memory: [] as MemorySample[], calls: {} as Record<string, number> }]));
  const profiles: string[] = [];
  try {
    await setup.target.call('housekeeping');
    const memoryBefore = await setup.target.call<MemorySample>('memory');
    for (let pass = 1; pass <= options.passes; pass++) {
      for (const unit of units) {
        const members = isGroup(unit) ? unit.rows : [unit];
        const profile = options.profileDir ? join(options.profileDir, `row${members[0].id}-pass${pass}.cpuprofile`) : undefined;
        if (profile) await setup.target.call('profileStart');
        const measured = isGroup(unit) ? await unit.run(setup, options) : [await unit.run(setup, options)];
        // The load generator hangs up at the deadline; requests it abandoned still run in the
        // target (a login takes ~1 s under load). Let them finish before the next row or the close.
        await settle(isGroup(unit) ? 0 : (unit.settleMs ?? 0));
        if (profile) {
          await setup.target.call('profileStop', profile);
          profiles.push(profile);
        }
        const calls = await setup.target.call<Record<string, number>>('housekeeping');
        const memory = await setup.target.call<MemorySample>('memory');
        // A group's calls are its rows' together: per request of the group, all rows counted.
        const requests = measured.reduce((sum, m) => sum + m.requests, 0);
        for (const [index, row] of members.entries()) {
          const entry = results.get(row.id) as Entry;
          entry.passes.push(measured[index]);
          entry.memory.push(memory);
          entry.calls = Object.fromEntries(Object.entries(calls).map(([path, count]) => [path, Number((count / requests).toFixed(2))]));
          log(`pass ${pass}/${options.passes} row ${row.id.padEnd(3)} ${measured[index].rps.toFixed(0).padStart(7)} req/s  p50 ${measured[index].p50.toFixed(2)} ms  p99 ${measured[index].p99.toFixed(2)} ms  heap ${(memory.heapUsed / 2 ** 20).toFixed(1)} MiB`);
        }
      }
    }
    const memoryAfter = await setup.target.call<MemorySample>('memory');
    const rowResults: RowResult[] = rows.map((row) => {
      const entry = results.get(row.id) as Entry;
      return {
        id: row.id,
        title: row.title,
        how: row.how,
        connections: row.how === 'autocannon' ? options.connections : row.how === 'loop' ? options.loopConcurrency : 1,
        passes: entry.passes,
        median: medianOf(entry.passes),
        baseline: row.baseline,
        memory: entry.memory,
        rocketChatCallsPerRequest: entry.calls,
        ...mongoCommandsOf(entry.passes),
      };
    });
    for (const row of rowResults) {
      const base = rowResults.find((other) => other.id === row.baseline);
      if (base) row.ratio = ratioOf(row, base);
    }
    return {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: { before: loadBefore, after: loadavg()[0] },
      options: { seconds: options.seconds, connections: options.connections, passes: options.passes, loopConcurrency: options.loopConcurrency, maxLoopRequests: options.maxLoopRequests },
      raisedLimits: RAISED_LIMITS,
      shortLivedAssertions: SHORT_LIVED_ASSERTIONS,
      memoryBefore,
      memoryAfter,
      rows: rowResults,
      profiles,
    };
  } finally {
    await setup.close();
  }
}
