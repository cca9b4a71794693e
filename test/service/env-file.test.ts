import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'env-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

// In a child process: Jest gives each test file its own copy of process.env.
async function loadedIn(cwd: string, env: NodeJS.ProcessEnv): Promise<Record<string, string | undefined>> {
  const script = `require(${JSON.stringify(join(root, 'service', 'env-file.ts'))}).loadEnvFile(); console.log(JSON.stringify({ a: process.env.ENV_FILE_TEST_A, b: process.env.ENV_FILE_TEST_B }))`;
  const { stdout } = await run(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '-e', script], { cwd, env });
  return JSON.parse(stdout) as Record<string, string | undefined>;
}

test('a .env is loaded with Node’s parser (unquoted spaces), and variables already set win', async () => {
  writeFileSync(join(dir, '.env'), '# comment\nENV_FILE_TEST_A=Sign in to chat\nENV_FILE_TEST_B=from file\n');
  expect(await loadedIn(dir, { ...process.env, ENV_FILE_TEST_B: 'from the environment' })).toEqual({ a: 'Sign in to chat', b: 'from the environment' });
}, 30_000);

test('no .env: nothing happens', async () => {
  expect(await loadedIn(dir, { ...process.env })).toEqual({});
}, 30_000);

test('`npm run users` run from a folder with a .env uses its settings', async () => {
  const usersFile = join(dir, 'people.json');
  writeFileSync(join(dir, '.env'), `LOCAL_USERS_FILE=${usersFile}\n`);
  const env = { ...process.env };
  delete env.LOCAL_USERS_FILE;
  delete env.MONGODB_URL;
  await run(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'service', 'cli', 'users.ts'), 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--password', 'a long password'], { cwd: dir, env });
  expect(existsSync(usersFile)).toBe(true);
  expect(readFileSync(usersFile, 'utf8')).toContain('"bob"');
}, 30_000);
