/**
 * Operators' own strings: MESSAGES_DIR holds `<lang>.json` files shaped like the shipped
 * catalogues, merged over them key by key. A file for a language we do not ship adds that
 * language (English fills its gaps). Checked once at start so a typo in a key stops the
 * start instead of silently showing the shipped text.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { flatten, isKnownKey, LANGUAGE_TAG, readCatalogue, shippedCatalogues, SOURCE_LANGUAGE } from './catalogue';

/** Flat overrides by language: `{'pt-BR': {'login.submit': 'Entrar'}}`. */
export type Overrides = Record<string, Record<string, string>>;

export function loadOverrides(dir: string | undefined): { overrides: Overrides; problems: string[] } {
  const overrides: Overrides = {};
  const problems: string[] = [];
  if (!dir) return { overrides, problems };
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return { overrides, problems: [`MESSAGES_DIR ${dir} is not a readable directory`] };
  }
  const english = flatten(shippedCatalogues().get(SOURCE_LANGUAGE) ?? {}).flat;
  for (const file of files) {
    const language = file.slice(0, -'.json'.length);
    if (!LANGUAGE_TAG.test(language)) {
      problems.push(`MESSAGES_DIR/${file}: the file name must be a language tag such as de.json or pt-BR.json`);
      continue;
    }
    let flat: Record<string, string>;
    try {
      const result = flatten(readCatalogue(join(dir, file)));
      if (result.bad.length > 0) throw new Error(`${result.bad.join(', ')} must be strings`);
      flat = result.flat;
    } catch (error) {
      problems.push(`MESSAGES_DIR/${file}: ${(error as Error).message}`);
      continue;
    }
    const unknown = Object.keys(flat).filter((key) => !isKnownKey(key, english));
    if (unknown.length > 0) problems.push(`MESSAGES_DIR/${file}: unknown keys ${unknown.join(', ')}`);
    else overrides[language] = flat;
  }
  return { overrides, problems };
}
