/** docs/configuration.md is the schema's own account of itself: complete, described, and current. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AREAS, EnvSchema } from '../../service/config';
import { configurationReference } from '../../service/config/reference';

test('every variable belongs to exactly one area and says what it means', () => {
  const inAreas = AREAS.flatMap((area) => Object.keys(area.fields));
  expect(inAreas.sort()).toEqual(Object.keys(EnvSchema.properties).sort());
  // Paired with its name, so a failure says which variable lacks a description.
  for (const [name, field] of Object.entries(EnvSchema.properties)) expect([name, ((field as { description?: string }).description ?? '').length > 10]).toEqual([name, true]);
});

test('docs/configuration.md is what the schema makes (npm run docs:config)', () => {
  expect(readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8')).toBe(configurationReference());
});
