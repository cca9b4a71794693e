/**
 * Builds the App's zip with `rc-apps package`, from a staging copy that holds only
 * `app.json`, the icon, `app/` and its translations (`app/i18n` → `i18n/`): companion and test
 * sources never enter the zip.
 *
 * The staging folder sits inside the repository so that `rc-apps` resolves the
 * repository's pinned TypeScript (5.6.3) and @types/node (20.8.0) by walking up.
 * Each run stages in its own folder (build/app-stage-XXXXXX, removed afterwards) and
 * replaces dist/<zip> by a rename, so two runs at once (`npm test` and `npm run demo`,
 * say) neither delete each other's stage nor let a reader see a half-written zip.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const dist = join(root, 'dist');
const manifest = require(join(root, 'app.json')) as { nameSlug: string; version: string; iconFile: string; requiredApiVersion: string };
const zipName = `${manifest.nameSlug}_${manifest.version}.zip`;

mkdirSync(join(root, 'build'), { recursive: true });
const stageDir = mkdtempSync(join(root, 'build', 'app-stage-'));
try {
  const built = packageIn(stageDir);
  mkdirSync(dist, { recursive: true });
  // Copy under a name of this run's own in dist/ (same file system), then rename over the zip.
  const partial = join(dist, `.${zipName}.${process.pid}.partial`);
  try {
    cpSync(built, partial);
    renameSync(partial, join(dist, zipName));
  } finally {
    rmSync(partial, { force: true });
  }
} finally {
  rmSync(stageDir, { recursive: true, force: true });
}
console.log(`App packaged: dist/${zipName}`);

/** Stages the App in `stage` and runs `rc-apps package` there; returns the zip it built. */
function packageIn(stage: string): string {
  cpSync(join(root, 'app.json'), join(stage, 'app.json'));
  cpSync(join(root, manifest.iconFile), join(stage, manifest.iconFile));
  // The App's translations go where the engine looks for them: `i18n/*.json` at the zip's top.
  const translations = join(root, 'app', 'i18n');
  cpSync(join(root, 'app'), join(stage, 'app'), { recursive: true, filter: (source) => source !== translations });
  cpSync(translations, join(stage, 'i18n'), { recursive: true });
  // rc-apps insists on a package.json beside app.json and rewrites `requiredApiVersion` to its
  // engine version when they differ: give it the manifest's own. The App has no npm dependencies.
  const stagePackage = { name: manifest.nameSlug, version: manifest.version, private: true, devDependencies: { '@rocket.chat/apps-engine': manifest.requiredApiVersion } };
  writeFileSync(join(stage, 'package.json'), JSON.stringify(stagePackage, null, 2));
  // The compiler loads the engine's definitions from `<stage>/node_modules` literally.
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');

  const rcApps = join(root, 'node_modules', '.bin', 'rc-apps');
  execFileSync(rcApps, ['package'], { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });

  const built = join(stage, 'dist', zipName);
  if (!existsSync(built)) {
    throw new Error(`rc-apps did not produce ${zipName}; found: ${readdirSync(join(stage, 'dist')).join(', ')}`);
  }
  return built;
}
