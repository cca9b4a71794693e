// `npm run build`: the companion compiled to build/js, from a clean folder (a module renamed or
// moved must not survive as a stale .js that Node would still resolve), with its pages and
// message catalogues beside the compiled code, where it reads them.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'js');
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const folder of ['views', join('i18n', 'locales')]) {
  cpSync(join(root, 'service', folder), join(out, 'service', folder), { recursive: true });
}
