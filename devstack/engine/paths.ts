import { join, relative, resolve } from 'node:path';

/** Where the engine host keeps what it prepares; everything lives under build/ (gitignored). */
export const repoRoot = resolve(__dirname, '..', '..');
/** ENGINE_HOST_BUILD_DIR (relative to the repository) lets a check prepare from scratch without disturbing build/. */
export const buildDir = resolve(repoRoot, process.env.ENGINE_HOST_BUILD_DIR ?? 'build');
export const nodeModulesDir = join(repoRoot, 'node_modules');

export const enginePackageDir = join(nodeModulesDir, '@rocket.chat', 'apps-engine');
/** Deno refuses TypeScript under node_modules, so the engine runs from a copy here. */
export const engineCopyDir = join(buildDir, 'engine');
export const denoBinDir = join(buildDir, 'engine-bin');
/**
 * DENO_DIR holds npm packages (each with a package.json): kept under node_modules, which
 * Jest's haste map always skips. Indexed as "haste packages", two cached copies of a name
 * made every `require` of that name fail under Jest.
 */
export const denoCacheDir = join(nodeModulesDir, '.cache', 'rc-engine-host', relative(repoRoot, buildDir).replace(/[^\w.-]+/g, '_'), 'deno-dir');
export const testAppBuildDir = join(buildDir, 'test-app');
