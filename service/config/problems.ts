/** Reading the raw variables: what the schema refuses, what it keeps, and the names nobody knows. */
import { Value } from '@sinclair/typebox/value';
import { SECRET_HINT } from '../../app/contract/secrets';
import { EnvSchema } from './schema';

/** What a missing required variable's problem adds: how to make one. */
const REQUIRED_HINTS: Record<string, string> = { SESSION_SECRET: SECRET_HINT };

/** Schema problems, one line per variable, naming it. */
export function schemaProblems(env: Record<string, unknown>): string[] {
  const seen = new Map<string, string>();
  for (const error of Value.Errors(EnvSchema, env)) {
    const name = error.path.replace(/^\//, '') || '(environment)';
    if (seen.has(name)) continue;
    const value = env[name];
    const choices = (error.schema.anyOf as { const?: unknown }[] | undefined)?.map((option) => option.const).filter((c) => c !== undefined);
    const why = choices && choices.length > 0 ? `must be one of ${choices.join(' | ')}` : error.message.toLowerCase();
    const hint = REQUIRED_HINTS[name] ? `; ${REQUIRED_HINTS[name]}` : '';
    seen.set(name, value === undefined ? `${name} is required${hint}` : `${name} is invalid: ${why}`);
  }
  return [...seen.values()];
}

export const KNOWN_NAMES: readonly string[] = Object.keys(EnvSchema.properties);

/** Keeps only the variables the schema knows, with empty strings read as unset. */
export function pickKnown(source: NodeJS.ProcessEnv): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of KNOWN_NAMES) {
    const value = source[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** Names a .env may hold for Node itself rather than for us. */
const NODE_NAMES = new Set(['NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'TZ', 'DEBUG', 'UV_THREADPOOL_SIZE']);

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** The known name a misspelling most likely meant: a few edits away, relative to its length. */
export function closestName(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN_NAMES) {
    const d = distance(name, known);
    // Short names sit close to many words (HOST, PATH, HOME): one edit for them, more for long ones.
    const allowed = known.length <= 6 ? 1 : Math.max(2, Math.floor(known.length / 6));
    if (d <= allowed && (!best || d < best.distance)) best = { name: known, distance: d };
  }
  return best?.name;
}

/**
 * Names in the .env file that no area knows. A lookalike of a known name is a problem (the start
 * is refused: the setting meant would silently keep its default); any other name is a note. The
 * process environment is shared with other programs (Rocket.Chat's own MONGO_URL, say): its
 * lookalikes are only notes.
 */
export function unknownNames(envFileNames: readonly string[], environment: readonly string[]): { problems: string[]; notes: string[] } {
  const known = new Set(KNOWN_NAMES);
  const problems: string[] = [];
  const notes: string[] = [];
  for (const name of new Set(envFileNames)) {
    if (known.has(name) || NODE_NAMES.has(name)) continue;
    const meant = closestName(name);
    if (meant) problems.push(`${name} (in .env) is not a setting of the companion: did you mean ${meant}?`);
    else notes.push(`${name} (in .env) is not a setting of the companion and is ignored (every setting: docs/configuration.md)`);
  }
  const fromFile = new Set(envFileNames);
  for (const name of environment) {
    if (known.has(name) || fromFile.has(name) || !name.includes('_')) continue;
    const meant = closestName(name);
    if (meant) notes.push(`${name} (in the environment) is not a setting of the companion; did you mean ${meant}?`);
  }
  return { problems, notes };
}
