// `npm test`'s Jest run, in two phases: every suite but the multi-replica one (files in parallel),
// then that one alone. It measures other clients' latency while one address floods three
// replicas, and a browser or engine suite running beside it on a two-core machine would measure
// that suite instead. Arguments go to both phases; with `--outputFile`, the two JSON reports are
// merged into it, so a reader of the report sees one run. Given a test path pattern, one plain
// Jest run instead.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const args = process.argv.slice(2);
const run = (extra) => spawnSync(process.execPath, [jest, ...extra], { stdio: 'inherit' }).status ?? 1;

// A pattern (any argument that is not an option or an option's value) picks the files itself.
const valued = new Set(['--outputFile', '--testNamePattern', '-t', '--maxWorkers', '-w', '--testPathPatterns', '--selectProjects']);
const patterns = args.filter((arg, i) => !arg.startsWith('-') && !valued.has(args[i - 1]));
if (patterns.length > 0) process.exit(run(args));

const REPLICAS = '<rootDir>/test/replicas/';
const at = args.findIndex((arg) => arg === '--outputFile' || arg.startsWith('--outputFile='));
const output = at < 0 ? undefined : args[at].includes('=') ? args[at].slice('--outputFile='.length) : args[at + 1];
const rest = at < 0 ? args : args.filter((_, i) => i !== at && !(i === at + 1 && !args[at].includes('=')));
const phase = (name) => (output ? [`--outputFile=${output}.${name}`] : []);

const first = run([...rest, ...phase('parallel'), '--testPathIgnorePatterns', '/node_modules/', '<rootDir>/test/mongo-live/', REPLICAS]);
const second = run([...rest, ...phase('replicas'), '--runInBand', '--testPathPatterns', 'test/replicas/']);

if (output) {
  const reports = ['parallel', 'replicas'].map((name) => {
    try {
      return JSON.parse(readFileSync(`${output}.${name}`, 'utf8'));
    } catch {
      // A phase that crashed before writing its report: a failed run with nothing to count.
      return { success: false, testResults: [] };
    } finally {
      rmSync(`${output}.${name}`, { force: true });
    }
  });
  const sum = (key) => reports.reduce((total, report) => total + (report[key] ?? 0), 0);
  const counts = [...new Set(reports.flatMap((report) => Object.keys(report)))].filter((key) => /^num[A-Z]/.test(key));
  writeFileSync(
    output,
    JSON.stringify({
      ...reports[0],
      ...Object.fromEntries(counts.map((key) => [key, sum(key)])),
      success: reports.every((report) => report.success),
      testResults: reports.flatMap((report) => report.testResults),
    }),
  );
}
process.exit(first || second);
