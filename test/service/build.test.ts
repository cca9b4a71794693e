/**
 * What an operator deploys: `npm run build` gives a companion that runs on plain `node`, with no
 * TypeScript at run time (`tsx` is a development dependency), its pages and catalogues beside the
 * compiled code. Started from the compiled JS with the README's minimal environment, it answers
 * /healthz and serves the login page.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../support/ports';
import { baseEnv } from './support/harness';

const root = join(__dirname, '..', '..');
const server = join(root, 'build', 'js', 'service', 'server.js');
let child: ChildProcess | undefined;
let emptyDir: string;

const stale = join(root, 'build', 'js', 'service', 'config.js');

beforeAll(() => {
  // A module that moved (service/config.ts → service/config/) must not survive as a stale .js Node would resolve first.
  mkdirSync(dirname(stale), { recursive: true });
  writeFileSync(stale, 'throw new Error("stale build output");');
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  // The compiler's own words when it fails, not just a status.
  expect(built.status === 0 ? '' : `${built.stdout}${built.stderr}`).toBe('');
  emptyDir = mkdtempSync(join(tmpdir(), 'rcib-build-'));
}, 120_000);

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(emptyDir, { recursive: true, force: true });
});

test('tsx is a development dependency only; npm start runs the compiled server', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
  expect(manifest.dependencies.tsx).toBeUndefined();
  expect(manifest.devDependencies.tsx).toBeDefined();
  expect(manifest.scripts.start).toBe('node build/js/service/server.js');
  expect(existsSync(join(root, 'build', 'js', 'service', 'views', 'login.hbs'))).toBe(true);
  expect(existsSync(join(root, 'build', 'js', 'service', 'i18n', 'locales', 'en.json'))).toBe(true);
  expect(existsSync(stale)).toBe(false);
});

test('the compiled companion answers /healthz and renders the login page, on plain node', async () => {
  const port = await freePort();
  const env = { PATH: process.env.PATH, ...baseEnv({ PORT: String(port), HOST: '127.0.0.1', LOCAL_USERS_FILE: join(emptyDir, 'users.json') }) } as NodeJS.ProcessEnv;
  // Run from a folder with no .env and no node_modules of its own: only the build and its dependencies.
  child = spawn(process.execPath, [server], { cwd: emptyDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  let health: Response | undefined;
  while (Date.now() < deadline && !health) {
    health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (!health) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect({ status: health?.status, output: health ? '' : output }).toEqual({ status: 200, output: '' });
  const page = await fetch(`http://127.0.0.1:${port}/login`, { headers: { 'sec-fetch-dest': 'iframe', 'accept-language': 'de' } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('lang="de"');
}, 40_000);
