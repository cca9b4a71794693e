/**
 * `npm run demo` as a person runs it (without the packaging step `npm test` has just done): it
 * says what it is doing while it starts, answers on the ports it printed, stops on one Ctrl+C
 * with one message within 2 s, and leaves nothing in the temporary folder.
 *
 * Ctrl+C is SIGINT to the whole foreground process group (tsx, node and the engine's Deno), so
 * the demo runs in a group of its own and the signal goes to the group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const STOP_LIMIT_MS = 2000;

let demo: ChildProcess | undefined;
let tempDir: string;
let stdout = '';
let stderr = '';

beforeAll(() => {
  // The demo's own temporary folder, so that what it leaves there is all that is there.
  tempDir = mkdtempSync(join(tmpdir(), 'demo-test-'));
});
afterAll(() => {
  if (demo?.pid && demo.exitCode === null && demo.signalCode === null) process.kill(-demo.pid, 'SIGKILL');
  rmSync(tempDir, { recursive: true, force: true });
});

function waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(check, 50);
    const deadline = setTimeout(() => fail(new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
    function check(): void {
      const match = stdout.match(pattern);
      if (match) done(() => resolve(match));
      else if (demo?.exitCode !== null) fail(new Error(`the demo exited (${demo?.exitCode}); stdout:\n${stdout}\nstderr:\n${stderr}`));
    }
    function fail(error: Error): void {
      done(() => reject(error));
    }
    function done(then: () => void): void {
      clearInterval(timer);
      clearTimeout(deadline);
      then();
    }
  });
}

/** A GET on a connection of its own, closed after the answer (no keep-alive socket outlives the test). */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The demo's own folder(s) in the temporary folder; tsx keeps its IPC folder there too. */
const demoEntries = (): string[] => readdirSync(tempDir).filter((name) => !name.startsWith('tsx-'));

test('starts with progress lines, serves, stops on one Ctrl+C within 2 s and leaves no file', async () => {
  demo = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/demo.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEMO_ROCKETCHAT_PORT: '0', DEMO_COMPANION_PORT: '0', TMPDIR: tempDir, NODE_ENV: 'development', FORCE_COLOR: '0' },
  });
  demo.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  demo.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));

  await waitFor(/^ {2}ready in \d+\.\d s$/m, 55_000);
  // Every slow step said what it was and how long it took, before the ready line.
  expect(stdout).toMatch(/^ {2}preparing the Apps-Engine runtime… \d+\.\d s$/m);
  expect(stdout).toMatch(/^ {2}installing the App… \d+\.\d s$/m);
  const companion = stdout.match(/^ {2}companion on (http:\/\/localhost:\d+)… \d+\.\d s$/m)?.[1];
  const rocketChat = stdout.match(/Open the Rocket.Chat stand-in: +(http:\/\/127\.0\.0\.1:\d+)\//)?.[1];
  expect(companion).toBeDefined();
  expect(rocketChat).toBeDefined();

  // It answers where it said, and the request shows as one short line.
  expect((await get(`${companion}/healthz`)).status).toBe(200);
  const page = (await get(`${rocketChat}/`)).body;
  expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  await waitFor(/^\d\d:\d\d:\d\d GET \/healthz 200 \d+ ms$/m, 5000);
  expect(stdout).not.toMatch(/"level":/);

  // The users' file (a password hash) is in the demo's temporary folder while it runs.
  const [dataDir] = demoEntries();
  expect(dataDir).toMatch(/^iframe-bridge-demo-/);
  expect(existsSync(join(tempDir, dataDir, 'users.json'))).toBe(true);

  const signalled = Date.now();
  process.kill(-demo.pid!, 'SIGINT');
  let limit: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'still running'>((resolve) => (limit = setTimeout(() => resolve('still running'), STOP_LIMIT_MS)))]);
  clearTimeout(limit);
  expect(code).toBe(0);
  expect(Date.now() - signalled).toBeLessThanOrEqual(STOP_LIMIT_MS);

  const stopLines = stdout.split('\n').filter((line) => /stopping|stopped|SIGINT|timeout/.test(line));
  expect(stopLines).toEqual([expect.stringMatching(/^ {2}stopping… stopped \(\d+\.\d s\)$/)]);
  expect(stderr).not.toMatch(/second SIGINT|killed by timeout/);
  expect(demoEntries()).toEqual([]);
}, 60_000);
