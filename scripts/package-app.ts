/**
 * Builds the App's zip with `rc-apps package`, from a staging copy that holds only
 * `app.json`, the icon and `app/` (companion and test sources never enter the zip).
 *
 * The staging folder sits inside the repository so that `rc-apps` resolves the
 * repository's pinned TypeScript (5.6.3) and @types/node (20.8.0) by walking up.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const stage = join(root, 'build', 'app-stage');
const dist = join(root, 'dist');
const manifest = require(join(root, 'app.json')) as { nameSlug: string; version: string; iconFile: string; requiredApiVersion: string };

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
cpSync(join(root, 'app.json'), join(stage, 'app.json'));
cpSync(join(root, manifest.iconFile), join(stage, manifest.iconFile));
cpSync(join(root, 'app'), join(stage, 'app'), { recursive: true });
// rc-apps insists on a package.json beside app.json and rewrites `requiredApiVersion` to its
// engine version when they differ: give it the manifest's own. The App has no npm dependencies.
const stagePackage = { name: manifest.nameSlug, version: manifest.version, private: true, devDependencies: { '@rocket.chat/apps-engine': manifest.requiredApiVersion } };
writeFileSync(join(stage, 'package.json'), JSON.stringify(stagePackage, null, 2));
// The compiler loads the engine's definitions from `<stage>/node_modules` literally.
symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');

const rcApps = join(root, 'node_modules', '.bin', 'rc-apps');
execFileSync(rcApps, ['package'], { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });

const zipName = `${manifest.nameSlug}_${manifest.version}.zip`;
const built = join(stage, 'dist', zipName);
if (!existsSync(built)) {
  throw new Error(`rc-apps did not produce ${zipName}; found: ${readdirSync(join(stage, 'dist')).join(', ')}`);
}
mkdirSync(dist, { recursive: true });
cpSync(built, join(dist, zipName));
console.log(`App packaged: dist/${zipName}`);
