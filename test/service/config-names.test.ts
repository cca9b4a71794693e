/**
 * Misconfiguration caught loudly: a misspelled name in .env is named with the one it resembles
 * (the start is refused: the setting meant would silently keep its default); other unknown
 * names are noted; a start without .env says where one was looked for; a started companion says
 * in one line what it runs as, with no secret.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closestName, unknownNames } from '../../service/config/problems';
import { loadConfig } from '../../service/config';
import { startupSummary } from '../../service/startup-summary';
import { baseEnv, configProblems, SECRET, SESSION_SECRET } from './support/harness';

const root = join(__dirname, '..', '..');

test.each([
  ['TOKEN_MOD', 'TOKEN_MODE'],
  ['LOGIN_RATE_LIMT_PER_MINUTE', 'LOGIN_RATE_LIMIT_PER_MINUTE'],
  ['SESION_SECRET', 'SESSION_SECRET'],
  ['MONGO_URL', 'MONGODB_URL'],
  ['ROCKETCHAT_URI', 'ROCKETCHAT_URL'],
])('%s is read as a misspelling of %s', (typo, meant) => {
  expect(closestName(typo)).toBe(meant);
});

test('names that resemble nothing of ours resemble nothing', () => {
  for (const name of ['PATH', 'HOSTNAME', 'HOME', 'GREETING_MESSAGE', 'npm_config_cache']) expect(closestName(name)).toBeUndefined();
});

test('in .env: a lookalike refuses the start, naming the setting meant; another name is a note; Node\'s own names pass', () => {
  const env = baseEnv({ TOKEN_MOD: 'mongo', GREETING_MESSAGE: 'hi', NODE_ENV: 'development' });
  const names = ['TOKEN_MOD', 'GREETING_MESSAGE', 'NODE_ENV', 'SESSION_SECRET'];
  expect(configProblems({ ...env })).toEqual([]); // from the process environment alone, nothing is refused
  expect(() => loadConfig(env as NodeJS.ProcessEnv, { envFileNames: names })).toThrow('TOKEN_MOD (in .env) is not a setting of the companion: did you mean TOKEN_MODE?');
  expect(unknownNames(names, Object.keys(env))).toEqual({
    problems: ['TOKEN_MOD (in .env) is not a setting of the companion: did you mean TOKEN_MODE?'],
    notes: ['GREETING_MESSAGE (in .env) is not a setting of the companion and is ignored (every setting: docs/configuration.md)'],
  });
});

test('in the environment (shared with other programs, such as Rocket.Chat\'s MONGO_URL): lookalikes are notes, logged at start', () => {
  const config = loadConfig(baseEnv({ MONGO_URL: 'mongodb://db/rocketchat' }) as NodeJS.ProcessEnv);
  expect(config.notes).toEqual(['MONGO_URL (in the environment) is not a setting of the companion; did you mean MONGODB_URL?']);
});

function startIn(dir: string, env: Record<string, string | undefined>) {
  return spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'service', 'server.ts')], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
}

test('a .env with misspelled names: the start is refused, naming each with the name it resembles, and the file read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rcib-names-'));
  const { SESSION_SECRET: _unused, ...rest } = baseEnv();
  writeFileSync(join(dir, '.env'), `${Object.entries(rest).map(([k, v]) => `${k}=${v}`).join('\n')}\nSESION_SECRET=${SESSION_SECRET}\nLOGIN_RATE_LIMT_PER_MINUTE=5\n`);
  const result = startIn(dir, {});
  expect(result.status).toBe(78);
  expect(result.stderr).toContain('SESSION_SECRET is required');
  expect(result.stderr).toContain('SESION_SECRET (in .env) is not a setting of the companion: did you mean SESSION_SECRET?');
  expect(result.stderr).toContain('LOGIN_RATE_LIMT_PER_MINUTE (in .env) is not a setting of the companion: did you mean LOGIN_RATE_LIMIT_PER_MINUTE?');
  expect(result.stderr).toContain(`Read ${join(dir, '.env')} and the environment.`);
  expect(result.stderr).not.toContain(SESSION_SECRET);
}, 30_000);

test('no .env and required settings missing: the refusal says where a .env was looked for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rcib-names-'));
  const result = startIn(dir, {});
  expect(result.status).toBe(78);
  expect(result.stderr).toContain(`No .env at ${join(dir, '.env')}: the settings came from the environment only (cp .env.example .env).`);
}, 30_000);

test('the start-up line: mode, identity, origins, where state lives; never a secret', () => {
  const memory = startupSummary(loadConfig(baseEnv() as NodeJS.ProcessEnv), { found: false, path: '/srv/.env' });
  expect(memory).toBe(
    'configured: mode app · identity local (users in ./data/users.json) · Rocket.Chat https://chat.example.com · public https://auth.example.org · state in this process (run one replica, or set MONGODB_URL) · back-channel logout off · settings from the environment (no .env)',
  );
  const shared = startupSummary(loadConfig(baseEnv({ MONGODB_URL: 'mongodb://user:pw@db/rocketchat', TOKEN_MODE: 'mongo', APP_LOGIN_URL: undefined, ASSERTION_SECRET: undefined }) as NodeJS.ProcessEnv), { found: true, path: '/srv/.env' });
  expect(shared).toContain('mode mongo · identity local (users in MongoDB)');
  expect(shared).toContain('state shared through MongoDB (replicas welcome)');
  for (const line of [memory, shared]) for (const secret of [SECRET, SESSION_SECRET, 'pw@']) expect(line).not.toContain(secret);
});
