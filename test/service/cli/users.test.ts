import { mkdtempSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../service/cli/users';
import { createFileUserStore } from '../../../service/users/file-store';
import { verifyPassword } from '../../../service/users/password';
import { startAppStandIn, type AppStandIn } from '../../../devstack/app-stand-in';
import { baseEnv, PUBLIC_ORIGIN, RC_ORIGIN, SECRET, SESSION_SECRET } from '../support/harness';

const path = join(mkdtempSync(join(tmpdir(), 'rcib-cli-')), 'users.json');
let standIn: AppStandIn;
/** The companion's own configuration, as the CLI reads it from the environment (and .env). */
let env: NodeJS.ProcessEnv;
let out: string[];
let err: string[];

beforeAll(async () => {
  standIn = await startAppStandIn({ key: new TextEncoder().encode(SECRET), issuer: PUBLIC_ORIGIN, audience: RC_ORIGIN });
  env = baseEnv({ APP_LOGIN_URL: `${standIn.url}login`, LOCAL_USERS_FILE: path }) as NodeJS.ProcessEnv;
});
afterAll(() => standIn.close());

beforeEach(() => {
  out = [];
  err = [];
  prompts = '';
  standIn.failWith = undefined;
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
});
afterEach(() => jest.restoreAllMocks());

/** What the CLI wrote to its prompt stream (stderr by default): prompts and the --password warning. */
let prompts: string;
/** Standard input as a script gives it (not a terminal), or a terminal when `tty`. */
function terminal(typed: string[] = [], tty = false) {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  // Typed a line at a time, as a person would, once the prompt is up.
  let next = 0;
  const output = new PassThrough();
  output.on('data', (chunk: Buffer) => {
    prompts += chunk.toString();
    if (chunk.toString().startsWith('Password') && next < typed.length) setImmediate(() => input.write(`${typed[next++]}\n`));
  });
  return { input, output };
}
const run = (...args: string[]) => main(args, env, terminal());
const store = createFileUserStore(path);
const seconds = () => Math.floor(Date.now() / 1000);

test('add, list, passwd, disable, enable', async () => {
  expect(await run('add', 'ann', '--email', 'ann@example.com', '--name', 'Ann Lee', '--password', 'first-password', '--roles', 'user,support')).toBe(0);
  expect(out.join('')).toContain('added ann');
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
  [['remove', 'nobody'], 1, 'no user "nobody"'],
  [['remove'], 2, 'a username is required'],
  [['add', 'x y', '--email', 'x@example.com', '--name', 'X', '--password', 'long-enough'], 2, 'username'],
  [['add', 'zed', '--email', 'not-an-email', '--name', 'Z', '--password', 'long-enough'], 2, '--email'],
  [['add', 'zed', '--email', 'zed@example.com', '--name', 'Z', '--password', 'short'], 2, 'at least 8'],
  [['add', 'zed', '--email', 'zed@example.com', '--name', 'Z'], 2, 'a password is required: type it at the prompt (run in a terminal), or pipe it with --password-stdin'],
  [['add', 'zed', '--email', 'zed@example.com', '--name', 'Z', '--password', 'long-enough', '--password-stdin'], 2, 'not both'],
  [['frobnicate'], 2, 'unknown command'],
  [[], 2, 'a command is required'],
  [['list', '--bogus'], 2, "Unknown option '--bogus'"],
])('%j exits %i with a clear error', async (args, code, message) => {
  if (code === 1 && args[0] === 'add') await run('add', 'ann', '--email', 'ann@example.com', '--name', 'Ann', '--password', 'long-enough');
  expect(await run(...args)).toBe(code);
  expect(err.join('')).toContain(message);
  if (code === 2) expect(err.join('')).toContain('usage:');
});

describe('taking access away', () => {
  const add = (username: string) => run('add', username, '--email', `${username}@example.com`, '--name', username, '--password', 'long-enough');

  test('passwd and disable date the user\'s sessions; each revokes their Rocket.Chat logins through the configured App', async () => {
    expect(await add('dan')).toBe(0);
    expect((await store.find('dan'))?.sessionsValidFrom).toBeUndefined();
    const before = seconds();
    out = [];
    expect(await run('passwd', 'dan', '--password', 'another-password')).toBe(0);
    expect(out.join('')).toBe('password changed for dan; their companion sessions end within 60 s; their Rocket.Chat login tokens were revoked\n');
    expect((await store.find('dan'))?.sessionsValidFrom).toBeGreaterThanOrEqual(before);
    expect(standIn.logouts.at(-1)).toMatchObject({ sub: (await store.find('dan'))?.sub, username: 'dan', email: 'dan@example.com' });
    out = [];
    expect(await run('disable', 'dan')).toBe(0);
    expect(out.join('')).toBe('disabled dan; their companion sessions end within 60 s; their Rocket.Chat login tokens were revoked\n');
    expect(standIn.logouts.filter((claims) => claims.username === 'dan')).toHaveLength(2);
    expect(err).toEqual([]);
  });

  test('enable revokes nothing and keeps the date: sessions ended by the disable stay ended', async () => {
    expect(await add('eve')).toBe(0);
    expect(await run('disable', 'eve')).toBe(0);
    const dated = (await store.find('eve'))?.sessionsValidFrom;
    const logouts = standIn.logouts.length;
    expect(await run('enable', 'eve')).toBe(0);
    expect(standIn.logouts).toHaveLength(logouts);
    expect(await store.find('eve')).toMatchObject({ disabled: false, sessionsValidFrom: dated });
  });

  test('remove deletes the user and revokes their Rocket.Chat logins; the name is free again', async () => {
    expect(await add('fay')).toBe(0);
    const sub = (await store.find('fay'))?.sub;
    out = [];
    expect(await run('remove', 'FAY')).toBe(0);
    expect(out.join('')).toBe('removed fay; their companion sessions end within 60 s; their Rocket.Chat login tokens were revoked\n');
    expect(await store.find('fay')).toBeUndefined();
    expect(standIn.logouts.at(-1)).toMatchObject({ sub, username: 'fay' });
    expect(await add('fay')).toBe(0);
    expect((await store.find('fay'))?.sub).not.toBe(sub);
  });

  test('the App failing: the change stands, stderr says the tokens were NOT revoked and why, exit 1', async () => {
    expect(await add('gus')).toBe(0);
    standIn.failWith = 502;
    out = [];
    expect(await run('disable', 'gus')).toBe(1);
    expect((await store.find('gus'))?.disabled).toBe(true);
    expect(out.join('')).toBe('disabled gus; their companion sessions end within 60 s\n');
    expect(err.join('')).toMatch(/^error: gus's Rocket.Chat login tokens were NOT revoked: the token issuer \(TOKEN_MODE=app\) failed \(unavailable: [a-z_0-9]+\); fix that and run the command again/);
    standIn.failWith = undefined;
    err = [];
    expect(await run('remove', 'gus')).toBe(0);
    expect(err).toEqual([]);
  });

  test('no configuration to load: the change stands, stderr says why (names, never values), exit 1', async () => {
    expect(await add('hal')).toBe(0);
    // The secrets are there, ROCKETCHAT_URL is not: the companion would not start either.
    const partial = { ...env, ROCKETCHAT_URL: undefined };
    out = [];
    expect(await main(['remove', 'hal'], partial)).toBe(1);
    expect(await store.find('hal')).toBeUndefined();
    expect(out.join('')).toBe('removed hal; their companion sessions end within 60 s\n');
    const message = err.join('');
    expect(message).toContain("error: hal's Rocket.Chat login tokens were NOT revoked: the companion's configuration could not be loaded (");
    expect(message).toContain('ROCKETCHAT_URL');
    expect(message).toContain('end their logins in Rocket.Chat');
    for (const secret of [SECRET, SESSION_SECRET]) expect(message).not.toContain(secret);
  });

  test('TOKEN_MODE=password: nothing the companion holds can end them, and it says so (exit 1)', async () => {
    expect(await add('ida')).toBe(0);
    const password = { ...env, TOKEN_MODE: 'password', APP_LOGIN_URL: undefined, ASSERTION_SECRET: undefined };
    expect(await main(['disable', 'ida'], password)).toBe(1);
    expect((await store.find('ida'))?.disabled).toBe(true);
    expect(err.join('')).toContain('NOT revoked: TOKEN_MODE=password');
  });
});

describe('passwords never only on the command line', () => {
  test('--help and -h print the usage on stdout and exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ['passwd', '--help']]) {
      out = [];
      expect(await run(...args)).toBe(0);
      expect(out.join('')).toMatch(/^usage:\n {2}users add <username>[\s\S]*--password-stdin/);
    }
    expect(err).toEqual([]);
  });

  test('--password-stdin reads the password from standard input (one line ending dropped)', async () => {
    const io = terminal();
    io.input.end('piped password with spaces\n');
    expect(await main(['add', 'pia', '--email', 'pia@example.com', '--name', 'Pia', '--password-stdin'], env, io)).toBe(0);
    expect(await verifyPassword((await store.find('pia'))!.passwordHash, 'piped password with spaces')).toBe(true);
    expect(prompts).toBe('');
  });

  test('in a terminal, the password is asked twice and never echoed', async () => {
    const io = terminal(['typed-secret-1', 'typed-secret-1'], true);
    expect(await main(['add', 'tia', '--email', 'tia@example.com', '--name', 'Tia'], env, io)).toBe(0);
    expect(await verifyPassword((await store.find('tia'))!.passwordHash, 'typed-secret-1')).toBe(true);
    expect(prompts).toBe('Password: \nPassword again: \n');
    expect(out.join('') + err.join('')).not.toContain('typed-secret-1');
  });

  test('two different passwords at the prompt: nothing changes, exit 2', async () => {
    const io = terminal(['typed-secret-1', 'typed-secret-2'], true);
    expect(await main(['add', 'una', '--email', 'una@example.com', '--name', 'Una'], env, io)).toBe(2);
    expect(err.join('')).toContain('the two passwords differ');
    expect(await store.find('una')).toBeUndefined();
  });

  test('--password still works, with a warning that it shows in history and ps', async () => {
    expect(await run('add', 'vic', '--email', 'vic@example.com', '--name', 'Vic', '--password', 'long-enough')).toBe(0);
    expect(prompts).toContain('warning: a password given with --password stays in shell history');
  });
});
