/**
 * `cp .env.example .env && npm start` should just work: the server and the CLIs load a `.env`
 * in the working folder when there is one. Variables already in the environment win (a process
 * manager's or container's settings are never overridden). Node's own parser, not a shell:
 * values with spaces need no quotes.
 */
import { existsSync } from 'node:fs';

// Node ≥ 20.12; the pinned @types/node (20.8, for rc-apps) predates its declaration.
type WithEnvFile = NodeJS.Process & { loadEnvFile(path: string): void };

export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) (process as WithEnvFile).loadEnvFile(path);
}
