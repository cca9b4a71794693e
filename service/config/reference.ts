/**
 * docs/configuration.md, made from the schema: every variable of every area with its default and
 * meaning. `npm run docs:config` writes it; a test keeps the file equal to what this makes.
 */
import type { TSchema } from '@sinclair/typebox';
import { AREAS } from './schema';

function allowed(schema: TSchema): string {
  const choices = (schema.anyOf as { const?: unknown }[] | undefined)?.map((option) => option.const).filter((value) => value !== undefined);
  if (choices && choices.length > 0) return choices.map((value) => `\`${String(value)}\``).join(' / ');
  if (schema.type === 'integer') return `${schema.minimum}–${schema.maximum}`;
  return '';
}

function fallback(schema: TSchema, optional: boolean): string {
  if (schema.default !== undefined) return schema.default === '' ? '(empty)' : `\`${String(schema.default)}\``;
  return optional ? '—' : '**required**';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function configurationReference(): string {
  const lines = [
    '# Configuration',
    '',
    'Every environment variable of the companion, by area. It is read once at start (from the',
    'environment, and from a `.env` file in the working folder for variables the environment does not',
    'set) and checked as a whole: a missing or malformed value, or a misspelled name in `.env`, stops',
    'the start with one message naming every problem. Empty values count as unset. `.env.example` has',
    'the same variables with commented examples.',
    '',
    '_This page is generated from the schema (`service/config`): run `npm run docs:config` after changing it._',
  ];
  for (const area of AREAS) {
    lines.push('', `## ${area.title}`, '', '| Variable | Default | Values | Meaning |', '|---|---|---|---|');
    for (const [name, field] of Object.entries(area.fields) as [string, TSchema][]) {
      const optional = (field as unknown as Record<symbol, unknown>)[Symbol.for('TypeBox.Optional')] === 'Optional';
      lines.push(`| \`${name}\` | ${fallback(field, optional)} | ${allowed(field)} | ${cell(String(field.description ?? ''))} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
