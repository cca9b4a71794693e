/**
 * Message catalogues: one JSON file per language under locales/, nested objects of strings.
 * Plural forms follow i18next's JSON v4 suffixes (`text_one`, `text_few`, ...), whose names are
 * CLDR's plural categories, so `Intl.PluralRules` says which forms a language must provide.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Catalogue {
  [key: string]: string | Catalogue;
}

export const LOCALES_DIR = join(__dirname, 'locales');
export const SOURCE_LANGUAGE = 'en';
/** A BCP 47 tag as our file names and the `lang` parameter spell it (en, pt-BR, zh-CN). */
export const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
export const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** `{a: {b: 'x'}}` → `{'a.b': 'x'}`; a value that is neither string nor object is reported. */
export function flatten(catalogue: Catalogue, prefix = '', out: Record<string, string> = {}, bad: string[] = []): { flat: Record<string, string>; bad: string[] } {
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out[path] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) flatten(value, path, out, bad);
    else bad.push(path);
  }
  return { flat: out, bad };
}

/** Keys without plural suffixes, and the bases of the plural ones, of the English catalogue. */
export function keyShape(english: Record<string, string>): { plain: string[]; plural: string[] } {
  const plain: string[] = [];
  const plural = new Set<string>();
  for (const key of Object.keys(english)) {
    if (PLURAL_SUFFIX.test(key)) plural.add(key.replace(PLURAL_SUFFIX, ''));
    else plain.push(key);
  }
  return { plain, plural: [...plural] };
}

/** The keys a complete catalogue for `language` has: every plain key, every plural form CLDR names. */
export function requiredKeys(language: string, english: Record<string, string>): string[] {
  const { plain, plural } = keyShape(english);
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  return [...plain, ...plural.flatMap((base) => categories.map((category) => `${base}_${category}`))];
}

/** Whether `key` may appear in any catalogue: a key of English, or a plural form of one. */
export function isKnownKey(key: string, english: Record<string, string>): boolean {
  if (key in english) return true;
  const base = key.replace(PLURAL_SUFFIX, '');
  return base !== key && keyShape(english).plural.includes(base);
}

export function readCatalogue(path: string): Catalogue {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('is not a JSON object');
  return parsed as Catalogue;
}

/** The catalogues that ship with the companion, by language tag (from the file names). */
export function shippedCatalogues(): Map<string, Catalogue> {
  const catalogues = new Map<string, Catalogue>();
  for (const file of readdirSync(LOCALES_DIR).filter((name) => name.endsWith('.json')).sort()) {
    catalogues.set(file.slice(0, -'.json'.length), readCatalogue(join(LOCALES_DIR, file)));
  }
  return catalogues;
}

export function shippedLanguages(): string[] {
  return [...shippedCatalogues().keys()];
}
