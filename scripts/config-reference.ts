/** Writes docs/configuration.md from the environment schema (service/config/reference.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationReference } from '../service/config/reference';

writeFileSync(join(__dirname, '..', 'docs', 'configuration.md'), configurationReference());
console.log('docs/configuration.md written');
