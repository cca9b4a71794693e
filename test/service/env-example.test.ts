import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvSchema, loadConfig } from '../../service/config';

const root = join(__dirname, '..', '..');
const example = readFileSync(join(root, '.env.example'), 'utf8');

test('.env.example documents every variable and its active lines form a valid configuration', () => {
  for (const name of Object.keys(EnvSchema.properties)) expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  const env: Record<string, string> = {};
  for (const match of example.matchAll(/^([A-Z_]+)=(.*)$/gm)) env[match[1]] = match[2];
  expect(loadConfig(env as NodeJS.ProcessEnv).tokenMode).toBe('app');
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
