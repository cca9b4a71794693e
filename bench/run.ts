/**
 * `npm run bench` — the bench's table. Options:
 *   BENCH_SECONDS=5      seconds per row and pass (serial rows take half)
 *   BENCH_PASSES=3       passes over all rows (memory is compared across them)
 *   BENCH_CONNECTIONS=50 connections of the autocannon rows
 *   --quick              1 s rows, 10 connections, 3 passes: a smoke run
 *   --profile            rows 1, 2 and 3 only, once each, under the CPU profiler; prints the hot spots
 *   --only=<ids>         only the rows (and groups) with these ids, e.g. --only=1,2,2m
 *   --out=<file>         where the JSON goes (default bench/results/latest.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runBench, type BenchOptions } from './harness';
import { summarizeProfiles } from './profile';
import { formatTable, verdicts } from './report';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const profile = args.includes('--profile');
  const out = resolve(args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? join(__dirname, 'results', 'latest.json'));
  const profileDir = profile ? resolve(join(__dirname, '..', 'build', 'bench-profiles')) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const options: BenchOptions = {
    seconds: positive('BENCH_SECONDS', quick ? 1 : profile ? 10 : 5),
    connections: positive('BENCH_CONNECTIONS', quick ? 10 : 50),
    passes: profile ? 1 : positive('BENCH_PASSES', 3),
    loopConcurrency: 4,
    maxLoopRequests: quick ? 200 : 5000,
    only: profile ? ['1', '2', '3'] : args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(','),
    profileDir,
    log: (line) => console.error(line),
  };
  const result = await runBench(options);
  console.log(formatTable(result));
  if (profile) {
    console.log('');
    console.log(summarizeProfiles(result.profiles));
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...result, verdicts: verdicts(result) }, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
