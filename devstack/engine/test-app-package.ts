/**
 * Packages the engine host's test App (test-app/) with `rc-apps package`, the way
 * scripts/package-app.mjs packages ours: from a staging folder under build/ whose
 * node_modules points at the repository's pinned toolchain. Packaging takes seconds, so
 * the zip is rebuilt only when the test App's sources change.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from './file-lock';
import { buildDir, nodeModulesDir, repoRoot, testAppBuildDir } from './paths';

const sourceDir = join(__dirname, 'test-app');

interface Manifest {
  id: string;
  nameSlug: string;
  version: string;
  iconFile: string;
  requiredApiVersion: string;
}

export const testAppManifest = JSON.parse(readFileSync(join(sourceDir, 'app.json'), 'utf8')) as Manifest;
export const TEST_APP_ID = testAppManifest.id;

/** Returns the test App's zip, packaging it first if its sources changed since the last time. */
export async function packageTestApp(): Promise<Buffer> {
  const zipPath = join(testAppBuildDir, `${testAppManifest.nameSlug}_${testAppManifest.version}.zip`);
  const hashPath = `${zipPath}.sources-sha256`;
  const hash = sourcesHash();
  const isFresh = (): boolean => existsSync(zipPath) && existsSync(hashPath) && readFileSync(hashPath, 'utf8') === hash;
  if (!isFresh()) {
    await withFileLock(join(buildDir, 'test-app.lock'), async () => {
      if (isFresh()) return;
      await runPackager(zipPath);
      writeFileSync(hashPath, hash);
    });
  }
  return readFileSync(zipPath);
}

async function runPackager(zipPath: string): Promise<void> {
  const stage = join(buildDir, 'test-app-stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  cpSync(sourceDir, stage, { recursive: true });
  // One icon for both Apps: the test App borrows ours instead of keeping a copy.
  cpSync(join(repoRoot, 'icon.png'), join(stage, testAppManifest.iconFile));
  const stagePackage = {
    name: testAppManifest.nameSlug,
    version: testAppManifest.version,
    private: true,
    devDependencies: { '@rocket.chat/apps-engine': testAppManifest.requiredApiVersion },
  };
  writeFileSync(join(stage, 'package.json'), JSON.stringify(stagePackage, null, 2));
  symlinkSync(nodeModulesDir, join(stage, 'node_modules'), 'dir');
  const rcApps = join(nodeModulesDir, '.bin', 'rc-apps');
  if (!existsSync(rcApps)) throw new Error(`${rcApps} is missing: run npm ci (@rocket.chat/apps-cli packages the test App).`);
  try {
    await promisify(execFile)(rcApps, ['package'], { cwd: stage, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' }, timeout: 180_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`rc-apps package failed for the engine host's test App (${stage}):\n${stdout}\n${stderr}`);
  }
  const built = join(stage, 'dist', `${testAppManifest.nameSlug}_${testAppManifest.version}.zip`);
  if (!existsSync(built)) throw new Error(`rc-apps did not produce ${built}.`);
  mkdirSync(testAppBuildDir, { recursive: true });
  cpSync(built, zipPath);
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of listFiles(sourceDir)) {
    hash.update(relative(sourceDir, file)).update('\0').update(readFileSync(file, 'latin1')).update('\0');
  }
  hash.update(readFileSync(join(repoRoot, 'icon.png'), 'latin1'));
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}
