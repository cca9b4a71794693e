/**
 * Prepares what the real Apps-Engine needs to spawn its Deno runtime on this machine, once:
 * a copy of the engine outside node_modules (Deno refuses TypeScript under node_modules),
 * the one deno.land import mapped to a local file (only the npm registry is reachable),
 * the native deno binary on a PATH folder, and a filled DENO_DIR for `deno run --cached-only`.
 * devstack/engine/README.md ("What to know") says where each piece lives and why.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './file-lock';
import { buildDir, denoBinDir, denoCacheDir, engineCopyDir, enginePackageDir, nodeModulesDir } from './paths';

export interface PreparedRuntime {
  engineDir: string;
  denoBinDir: string;
  denoDir: string;
}

/** Bump when the preparation below changes, so existing copies are redone. */
const PREPARATION_REVISION = 1;
const MARKER = '.engine-host-prepared.json';
const WRITE_ALL_URL = 'https://deno.land/std@0.216.0/io/write_all.ts';
const WRITE_ALL_LOCAL = './lib/write-all-local.ts';

const WRITE_ALL_SOURCE = `// Local stand-in for ${WRITE_ALL_URL}: deno.land is unreachable from our machines.
export async function writeAll(writer: { write(p: Uint8Array): Promise<number> }, data: Uint8Array): Promise<void> {
\tlet written = 0;
\twhile (written < data.byteLength) {
\t\twritten += await writer.write(data.subarray(written));
\t}
}
`;

export async function prepareRuntime(): Promise<PreparedRuntime> {
  const prepared: PreparedRuntime = { engineDir: engineCopyDir, denoBinDir, denoDir: denoCacheDir };
  const stamp = expectedStamp();
  if (isPrepared(stamp)) return prepared;
  await withFileLock(join(buildDir, 'engine.lock'), async () => {
    // Another worker may have finished while this one waited for the lock.
    if (isPrepared(stamp)) return;
    prepareInPlace(stamp);
  });
  return prepared;
}

interface Stamp {
  revision: number;
  engineVersion: string;
  denoVersion: string;
}

function expectedStamp(): Stamp {
  const enginePackage = join(enginePackageDir, 'package.json');
  if (!existsSync(enginePackage)) {
    throw new Error(`@rocket.chat/apps-engine is not installed (${enginePackage} is missing): run npm ci.`);
  }
  return {
    revision: PREPARATION_REVISION,
    engineVersion: readVersion(enginePackage),
    denoVersion: readVersion(join(denoPlatformDir(), 'package.json')),
  };
}

function isPrepared(stamp: Stamp): boolean {
  const expected = JSON.stringify(stamp);
  // DENO_DIR lives under node_modules (see paths.ts): `npm ci` wipes it without touching build/.
  return readMarker(join(engineCopyDir, MARKER)) === expected && readMarker(join(denoCacheDir, MARKER)) === expected && existsSync(join(denoBinDir, 'deno'));
}

function readMarker(path: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Written last and atomically: whatever lacks its marker is redone from scratch. */
function writeMarker(path: string, stamp: Stamp): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(stamp));
  renameSync(`${path}.tmp`, path);
}

/** Each part is redone only when its own marker is stale, so a refill never pulls the engine copy from under a running engine. */
function prepareInPlace(stamp: Stamp): void {
  const expected = JSON.stringify(stamp);
  if (readMarker(join(engineCopyDir, MARKER)) !== expected) {
    rmSync(engineCopyDir, { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true });
    cpSync(enginePackageDir, engineCopyDir, { recursive: true, dereference: true });
    mapWriteAllToLocalFile(join(engineCopyDir, 'deno-runtime'));
    writeMarker(join(engineCopyDir, MARKER), stamp);
  }
  linkDenoBinary();
  if (readMarker(join(denoCacheDir, MARKER)) !== expected) {
    fillDenoCache();
    writeMarker(join(denoCacheDir, MARKER), stamp);
  }
}

function mapWriteAllToLocalFile(runtimeDir: string): void {
  writeFileSync(join(runtimeDir, WRITE_ALL_LOCAL), WRITE_ALL_SOURCE);
  const configPath = join(runtimeDir, 'deno.jsonc');
  const config = readFileSync(configPath, 'utf8');
  const patched = config.replace(/"imports"\s*:\s*\{/, (opening) => `${opening}\n\t\t${JSON.stringify(WRITE_ALL_URL)}: ${JSON.stringify(WRITE_ALL_LOCAL)},`);
  if (patched === config) {
    throw new Error(`Cannot map ${WRITE_ALL_URL}: no "imports" object in ${configPath} (did the Apps-Engine version change?).`);
  }
  writeFileSync(configPath, patched);
}

function linkDenoBinary(): void {
  const binary = join(denoPlatformDir(), process.platform === 'win32' ? 'deno.exe' : 'deno');
  if (!existsSync(binary)) {
    throw new Error(`Deno's native binary is missing (${binary}): run npm ci so that the "deno" package's platform package installs.`);
  }
  mkdirSync(denoBinDir, { recursive: true });
  const link = join(denoBinDir, 'deno');
  rmSync(link, { force: true });
  symlinkSync(binary, link);
  const version = spawnSync(link, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) {
    throw new Error(`${binary} does not run (${version.error?.message ?? version.stderr.trim()}).`);
  }
}

function fillDenoCache(): void {
  mkdirSync(denoCacheDir, { recursive: true });
  const runtimeDir = join(engineCopyDir, 'deno-runtime');
  const result = spawnSync(join(denoBinDir, 'deno'), ['cache', 'main.ts'], {
    cwd: runtimeDir,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, DENO_DIR: denoCacheDir, NPM_CONFIG_REGISTRY: npmRegistry(), NO_COLOR: '1' },
  });
  if (result.status !== 0) {
    throw new Error(
      `"deno cache main.ts" failed in ${runtimeDir} (exit ${result.status ?? result.signal}). ` +
        `It fetches the runtime's npm: packages from ${npmRegistry()}.\n${result.stderr || result.error?.message || ''}`,
    );
  }
}

let cachedRegistry: string | undefined;

/** Deno fetches npm: packages from NPM_CONFIG_REGISTRY: point it at the registry npm itself uses. */
function npmRegistry(): string {
  if (cachedRegistry) return cachedRegistry;
  const fromEnv = process.env.NPM_CONFIG_REGISTRY ?? process.env.npm_config_registry;
  if (fromEnv) return (cachedRegistry = fromEnv);
  const npm = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', cwd: nodeModulesDir });
  const configured = npm.status === 0 ? npm.stdout.trim() : '';
  cachedRegistry = configured || 'https://registry.npmjs.org/';
  return cachedRegistry;
}

function denoPlatformDir(): string {
  const platforms: Record<string, string> = {
    'linux-x64': 'linux-x64-glibc',
    'linux-arm64': 'linux-arm64-glibc',
    'darwin-x64': 'darwin-x64',
    'darwin-arm64': 'darwin-arm64',
    'win32-x64': 'win32-x64',
    'win32-arm64': 'win32-arm64',
  };
  const key = `${process.platform}-${process.arch}`;
  const name = platforms[key];
  if (!name) throw new Error(`The deno npm package has no binary for ${key}.`);
  const dir = join(nodeModulesDir, '@deno', name);
  if (!existsSync(dir)) {
    throw new Error(`Deno is missing: ${dir} does not exist. Run npm ci (the "deno" package installs its binary through @deno/${name}).`);
  }
  return dir;
}

function readVersion(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}
