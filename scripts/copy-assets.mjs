// After `tsc -p tsconfig.build.json`: the companion's pages and message catalogues beside the
// compiled code, where it reads them (`__dirname/views`, `__dirname/i18n/locales`).
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'js', 'service');
for (const folder of ['views', join('i18n', 'locales')]) {
  rmSync(join(out, folder), { recursive: true, force: true });
  cpSync(join(root, 'service', folder), join(out, folder), { recursive: true });
}
