/** Every shipped catalogue has every key (plural forms per CLDR), nothing English lacks, no stray HTML. */
import { flatten, isKnownKey, requiredKeys, shippedCatalogues, SOURCE_LANGUAGE } from '../../service/i18n/catalogue';

const catalogues = shippedCatalogues();
const english = flatten(catalogues.get(SOURCE_LANGUAGE) ?? {}).flat;
const SHIPPED = ['ar', 'de', 'en', 'es', 'fr', 'ja', 'pt-BR', 'ru', 'zh-CN'];

test('the nine languages ship', () => {
  expect([...catalogues.keys()].sort()).toEqual(SHIPPED);
});

test.each(SHIPPED)('%s has every key English has, with the plural forms its language uses', (language) => {
  const { flat, bad } = flatten(catalogues.get(language) ?? {});
  expect(bad).toEqual([]);
  // Named in the failure: `missing` lists the keys a translator still has to write.
  const missing = requiredKeys(language, english).filter((key) => !(key in flat) || flat[key].trim() === '');
  expect({ language, missing }).toEqual({ language, missing: [] });
  const unknown = Object.keys(flat).filter((key) => !isKnownKey(key, english));
  expect({ language, unknown }).toEqual({ language, unknown: [] });
});

test.each(SHIPPED)('%s keeps every placeholder of the English text', (language) => {
  const { flat } = flatten(catalogues.get(language) ?? {});
  for (const [key, text] of Object.entries(flat)) {
    const base = key.replace(/_(zero|one|two|few|many|other)$/, '');
    const source = english[key] ?? english[`${base}_other`] ?? '';
    // {{count}} may be spelled out in a plural form ("a minute"); other placeholders must stay.
    const needed = [...source.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).filter((name) => name !== 'count');
    for (const name of needed) expect({ key, language, has: text.includes(`{{${name}}}`) }).toEqual({ key, language, has: true });
  }
});

test('no catalogue carries markup: text is text, and the pages escape it anyway', () => {
  for (const [language, catalogue] of catalogues) {
    for (const [key, text] of Object.entries(flatten(catalogue).flat)) expect({ language, key, markup: /[<>]/.test(text) }).toEqual({ language, key, markup: false });
  }
});
