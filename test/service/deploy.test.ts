/**
 * The deployment files agree with the companion: one HSTS header (the companion's; the proxy adds
 * none), the default port that is not Rocket.Chat's, and an image that runs the compiled server on
 * a supported Node with production dependencies only. (No container engine runs here: the image's
 * steps are checked as text; test/service/build.test.ts runs the same compiled server.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../service/app';
import { loadConfig } from '../../service/config';
import { baseEnv } from './support/harness';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

test('nginx adds no Strict-Transport-Security of its own: the companion sends exactly one', async () => {
  expect(read('deploy/nginx.conf')).not.toMatch(/^\s*add_header\s+Strict-Transport-Security/im);
  const app = await buildApp({ config: loadConfig(baseEnv() as NodeJS.ProcessEnv) });
  try {
    for (const url of ['/healthz', '/login']) {
      const reply = await app.inject({ url, headers: { 'sec-fetch-dest': 'iframe' } });
      expect(reply.headers['strict-transport-security']).toEqual(expect.any(String));
    }
  } finally {
    await app.close();
  }
});

test('the companion, nginx, the image and .env.example agree on port 3001, not Rocket.Chat\'s 3000', () => {
  expect(loadConfig(baseEnv() as NodeJS.ProcessEnv).port).toBe(3001);
  expect(read('deploy/nginx.conf')).toMatch(/server 127\.0\.0\.1:3001;/);
  expect(read('.env.example')).toMatch(/^PORT=3001$/m);
  expect(read('Dockerfile')).toMatch(/PORT=3001/);
});

test('the image compiles in a build stage and runs compiled JS on Node 22 or 24 with production dependencies only', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  expect(stages.every((stage) => /^node:(22|24)[.-]/.test(stage))).toBe(true);
  const runtime = stages[stages.length - 1]!;
  expect(dockerfile).toMatch(/RUN npm run build/);
  expect(runtime).toMatch(/^CMD \["node", "build\/js\/service\/server\.js"\]$/m);
  expect(runtime).not.toMatch(/tsx|\.ts"/);
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
});
