import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, EnvSchema, loadConfig } from '../../service/config';

const root = join(__dirname, '..', '..');
const example = readFileSync(join(root, '.env.example'), 'utf8');

const active: Record<string, string> = {};
for (const match of example.matchAll(/^([A-Z_]+)=(.*)$/gm)) active[match[1]] = match[2];

test('.env.example documents every variable and its active lines, with the secrets filled in, form a valid configuration', () => {
  for (const name of Object.keys(EnvSchema.properties)) expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  const filled = { ...active, SESSION_SECRET: randomBytes(32).toString('base64'), ASSERTION_SECRET: randomBytes(32).toString('base64'), NODE_ENV: 'production' };
  expect(loadConfig(filled as NodeJS.ProcessEnv).tokenMode).toBe('app');
});

test('.env.example ships no usable secret: as copied, the start names exactly the secrets to fill in and how', () => {
  for (const name of ['SESSION_SECRET', 'ASSERTION_SECRET', 'BACKCHANNEL_SECRET', 'JWT_COOKIE_KEY', 'FACEBOOK_APP_SECRET', 'TWITTER_CONSUMER_SECRET']) {
    for (const line of example.match(new RegExp(`^#? ?${name}=.*$`, 'gm')) ?? []) expect(line).toMatch(new RegExp(`^#? ?${name}=$`));
  }
  expect(example).not.toMatch(/^#? ?[A-Z_]+=.*change[-_]?me/im);
  let problems: string[] = [];
  try {
    loadConfig({ ...active, NODE_ENV: 'production' } as NodeJS.ProcessEnv);
  } catch (error) {
    problems = (error as ConfigError).problems;
  }
  expect(problems).toHaveLength(2);
  expect(problems[0]).toBe('SESSION_SECRET is required; generate one with: openssl rand -base64 32');
  expect(problems[1]).toMatch(/^exactly one of ASSERTION_PRIVATE_KEY or ASSERTION_SECRET is required .*openssl rand -base64 32/);
});

test('the server refuses to start on bad configuration, naming every bad variable in one message', () => {
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'service', 'server.ts')], {
    env: { PATH: process.env.PATH ?? '', ROCKETCHAT_URL: 'not-a-url', PORT: 'x', SESSION_SECRET: 'short' },
    encoding: 'utf8',
    timeout: 20000,
  });
  expect(result.status).toBe(78);
  for (const name of ['ROCKETCHAT_URL', 'PUBLIC_URL', 'PORT', 'SESSION_SECRET', 'APP_LOGIN_URL']) expect(result.stderr).toContain(name);
  expect(result.stdout).toBe('');
});
