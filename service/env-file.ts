/**
 * `cp .env.example .env && npm start` should just work: the server and the CLIs load a `.env`
 * in the working folder when there is one. Variables already in the environment win (a process
 * manager's or container's settings are never overridden). Node's own parser, not a shell:
 * values with spaces need no quotes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as util from 'node:util';

// Node ≥ 20.12; the pinned @types/node (20.8, for rc-apps) predates these declarations.
type WithEnvFile = NodeJS.Process & { loadEnvFile(path: string): void };
const parse = (util as unknown as { parseEnv(content: string): Record<string, string> }).parseEnv;

export interface EnvFile {
  /** Where it was looked for (absolute). */
  path: string;
  found: boolean;
  /** The names it sets, so a misspelled one can be named at start. */
  names: string[];
}

export function loadEnvFile(path = '.env'): EnvFile {
  const absolute = resolve(path);
  if (!existsSync(absolute)) return { path: absolute, found: false, names: [] };
  (process as WithEnvFile).loadEnvFile(absolute);
  return { path: absolute, found: true, names: Object.keys(parse(readFileSync(absolute, 'utf8'))) };
}
