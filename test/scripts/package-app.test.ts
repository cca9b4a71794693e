/**
 * The App's zip from the small install (packaging/), as README's "Install the App" says:
 * `npm ci --prefix packaging && npm run package:app`, in a copy of the repository that has no
 * development install at all. packaging/ holds only the packager's five packages, at the
 * versions the development install pins, so both build the same App.
 *
 * The fresh install reaches the npm registry (or npm's cache) and takes about half a minute,
 * packaging about as long again.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const rootPackage = readJson(join(root, 'package.json')) as { devDependencies: Record<string, string> };
const smallPackage = readJson(join(root, 'packaging', 'package.json')) as { dependencies?: Record<string, string>; devDependencies?: unknown };
const smallLock = readJson(join(root, 'packaging', 'package-lock.json')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string> }> };

/** What `rc-apps package` needs: the CLI, and the TypeScript and definitions it compiles the App with. */
const PACKAGER = ['@rocket.chat/apps-cli', '@rocket.chat/apps-engine', '@rocket.chat/ui-kit', '@types/node', 'typescript'];

test('packaging/ asks for the packager only, at the versions the development install pins', () => {
  expect(Object.keys(smallPackage.dependencies ?? {}).sort()).toEqual([...PACKAGER].sort());
  expect(smallPackage.devDependencies).toBeUndefined();
  for (const name of PACKAGER) {
    expect(smallPackage.dependencies?.[name]).toBe(rootPackage.devDependencies[name]);
    // Exact versions, locked as asked: the zip must not change with a registry's latest.
    expect(smallPackage.dependencies?.[name]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(smallLock.packages[`node_modules/${name}`]?.version).toBe(smallPackage.dependencies?.[name]);
  }
  expect(smallLock.packages['']?.dependencies).toEqual(smallPackage.dependencies);
});

test('without the development install, npm ci --prefix packaging && npm run package:app builds the zip and prints its one path', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'small-install-'));
  try {
    // What the two commands need, and nothing of the development install.
    for (const path of ['app', 'app.json', 'icon.png', 'package.json', join('scripts', 'package-app.mjs'), join('packaging', 'package.json'), join('packaging', 'package-lock.json')]) {
      cpSync(join(root, path), join(copy, path), { recursive: true });
    }
    const run = (args: string[]) => promisify(execFile)('npm', args, { cwd: copy, env: { ...process.env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false' }, timeout: 240_000 });
    await run(['ci', '--prefix', 'packaging', '--no-audit', '--no-fund', '--prefer-offline']);
    expect(existsSync(join(copy, 'node_modules'))).toBe(false);

    const { stdout } = await run(['run', '--silent', 'package:app']);
    const zip = join(copy, 'dist', 'iframe-auth-bridge_0.1.0.zip');
    expect(existsSync(zip)).toBe(true);
    // One path, the zip's, which exists; not rc-apps' staging path, deleted by then.
    const paths = stdout.match(/[^\s()]*\/[^\s()]*/g) ?? [];
    expect(paths).toEqual(['dist/iframe-auth-bridge_0.1.0.zip']);
    expect(stdout).toMatch(/^App packaged: dist\/iframe-auth-bridge_0\.1\.0\.zip \(\d+ KB, \d+\.\d s\)$/m);
    expect(stdout).toContain('packaging the App with rc-apps (packaging install)…');
    expect(stdout).not.toContain('app-stage-');
    // The compiled App is inside (rc-apps writes a zip's central directory with each name).
    expect(readFileSync(zip).includes('app/IframeAuthApp.js')).toBe(true);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}, 300_000);
