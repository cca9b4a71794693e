// `npm run package:app`: builds the App's zip with `rc-apps package`, from a staging copy that
// holds only `app.json`, the icon, `app/` and its translations (`app/i18n` → `i18n/`): companion
// and test sources never enter the zip.
//
// Plain Node (no tsx, no TypeScript of ours) so that it runs from the small install in
// packaging/ as well as from the development install: rc-apps compiles the App with the
// TypeScript and engine definitions of the folder it runs in, so the stage's node_modules points
// at the chosen install's. Which one: APP_TOOLCHAIN=root|packaging, else the repository's own
// when it has rc-apps (npm test, npm run demo), else packaging/.
//
// Each run stages in its own folder (build/app-stage-XXXXXX, removed afterwards) and replaces
// dist/<zip> by a rename, so two runs at once (`npm test` and `npm run demo`, say) neither delete
// each other's stage nor let a reader see a half-written zip. rc-apps prints the path of the zip
// it wrote in that stage, gone a moment later: that line is left out, and the one path printed
// is the zip in dist/.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const manifest = JSON.parse(readFileSync(join(root, 'app.json'), 'utf8'));
const zipName = `${manifest.nameSlug}_${manifest.version}.zip`;

const began = performance.now();
let toolchain;
try {
  toolchain = chooseToolchain();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
mkdirSync(join(root, 'build'), { recursive: true });
const stageDir = mkdtempSync(join(root, 'build', 'app-stage-'));
let exitCode = 0;
try {
  const built = await packageIn(stageDir);
  mkdirSync(dist, { recursive: true });
  // Copy under a name of this run's own in dist/ (same file system), then rename over the zip.
  const partial = join(dist, `.${zipName}.${process.pid}.partial`);
  try {
    cpSync(built, partial);
    renameSync(partial, join(dist, zipName));
  } finally {
    rmSync(partial, { force: true });
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  exitCode = 1;
} finally {
  rmSync(stageDir, { recursive: true, force: true });
}
if (exitCode === 0) {
  const size = Math.round(statSync(join(dist, zipName)).size / 1024);
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.log(`App packaged: ${relative(process.cwd(), join(dist, zipName)) || zipName} (${size} KB, ${seconds} s)`);
}
process.exitCode = exitCode;

/** The folder whose node_modules holds rc-apps, the TypeScript and the engine definitions to use. */
function chooseToolchain() {
  const choices = { root, packaging: join(root, 'packaging') };
  const hasRcApps = (dir) => existsSync(join(dir, 'node_modules', '.bin', 'rc-apps'));
  const asked = process.env.APP_TOOLCHAIN;
  if (asked) {
    const dir = choices[asked];
    if (!dir) throw new Error(`APP_TOOLCHAIN is "${asked}": use root or packaging.`);
    if (!hasRcApps(dir)) throw new Error(`APP_TOOLCHAIN=${asked}, but ${join(dir, 'node_modules')} has no rc-apps: run npm ci${asked === 'packaging' ? ' --prefix packaging' : ''} first.`);
    return dir;
  }
  const found = [choices.root, choices.packaging].find(hasRcApps);
  if (!found) throw new Error('rc-apps is not installed: run `npm ci --prefix packaging` (the App\'s packager alone) or `npm ci` (the whole development install).');
  return found;
}

/** Stages the App in `stage` and runs `rc-apps package` there; resolves to the zip it built. */
async function packageIn(stage) {
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
  symlinkSync(join(toolchain, 'node_modules'), join(stage, 'node_modules'), 'dir');

  // rc-apps compiles for half a minute behind a spinner that a pipe shows only once it is done.
  console.log(`packaging the App with rc-apps (${relative(root, toolchain) || 'root'} install)…`);
  await runRcApps(join(toolchain, 'node_modules', '.bin', 'rc-apps'), stage);

  const built = join(stage, 'dist', zipName);
  if (!existsSync(built)) {
    const found = existsSync(join(stage, 'dist')) ? readdirSync(join(stage, 'dist')).join(', ') : 'no dist/';
    throw new Error(`rc-apps did not produce ${zipName}; found: ${found}`);
  }
  return built;
}

/** Runs `rc-apps package`, passing its output on except its spinner's line and the staging path it announces. */
function runRcApps(rcApps, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(rcApps, ['package'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });
    const pass = (input, write) =>
      createInterface({ input }).on('line', (line) => {
        if (/^\s*App packaged up at:|packaging your app\.\.\./.test(line) || line.trim() === '') return;
        write(line);
      });
    pass(child.stdout, console.log);
    // The spinner writes to stderr; compile errors and warnings still reach it.
    pass(child.stderr, console.error);
    child.once('error', reject);
    child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`rc-apps package failed (${signal ?? `exit code ${code}`}).`))));
  });
}
