import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../service/cli/users';
import { createFileUserStore } from '../../../service/users/file-store';
import { verifyPassword } from '../../../service/users/password';

const path = join(mkdtempSync(join(tmpdir(), 'rcib-cli-')), 'users.json');
const env = { LOCAL_USERS_FILE: path } as NodeJS.ProcessEnv;
let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
});
afterEach(() => jest.restoreAllMocks());

const run = (...args: string[]) => main(args, env);

test('add, list, passwd, disable, enable', async () => {
  expect(await run('add', 'ann', '--email', 'ann@example.com', '--name', 'Ann Lee', '--password', 'first-password', '--roles', 'user,support')).toBe(0);
  expect(out.join('')).toContain('added ann');
  const store = createFileUserStore(path);
  const ann = await store.find('ann');
  expect(ann).toMatchObject({ username: 'ann', email: 'ann@example.com', name: 'Ann Lee', email_verified: true, roles: ['user', 'support'], disabled: false });
  expect(ann?.passwordHash).not.toContain('first-password');
  expect(await run('passwd', 'ann', '--password', 'second-password')).toBe(0);
  expect(await verifyPassword((await store.find('ann'))?.passwordHash ?? '', 'second-password')).toBe(true);
  expect(await run('disable', 'ann')).toBe(0);
  expect((await store.find('ann'))?.disabled).toBe(true);
  out = [];
  expect(await run('list')).toBe(0);
  expect(out.join('')).toBe('ann\tann@example.com\tAnn Lee\tdisabled\tuser,support\n');
  expect(await run('enable', 'ann')).toBe(0);
  expect((await store.find('ann'))?.disabled).toBe(false);
});

test.each([
  [['add', 'ann', '--email', 'ann@example.com', '--name', 'Ann', '--password', 'long-enough'], 1, 'already exists'],
  [['passwd', 'nobody', '--password', 'long-enough'], 1, 'no user "nobody"'],
  [['disable', 'nobody'], 1, 'no user "nobody"'],
  [['add', 'x y', '--email', 'x@example.com', '--name', 'X', '--password', 'long-enough'], 2, 'username'],
  [['add', 'zed', '--email', 'not-an-email', '--name', 'Z', '--password', 'long-enough'], 2, '--email'],
  [['add', 'zed', '--email', 'zed@example.com', '--name', 'Z', '--password', 'short'], 2, 'at least 8'],
  [['add', 'zed', '--email', 'zed@example.com', '--name', 'Z'], 2, '--password is required'],
  [['frobnicate'], 2, 'unknown command'],
  [[], 2, 'a command is required'],
  [['list', '--bogus'], 2, "Unknown option '--bogus'"],
])('%j exits %i with a clear error', async (args, code, message) => {
  if (code === 1 && args[0] === 'add') await run('add', 'ann', '--email', 'ann@example.com', '--name', 'Ann', '--password', 'long-enough');
  expect(await run(...args)).toBe(code);
  expect(err.join('')).toContain(message);
  if (code === 2) expect(err.join('')).toContain('usage:');
});
