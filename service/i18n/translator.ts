/**
 * The companion's translator: i18next over the shipped catalogues with the operator's
 * overrides merged in, English as the fallback for any missing key. i18next does plurals
 * (CLDR categories through Intl.PluralRules) and `{{placeholders}}`; it does not escape
 * (escapeValue: false) because every string reaches the page through Handlebars, which does.
 */
import i18next, { type i18n } from 'i18next';
import { flatten, keyShape, shippedCatalogues, SOURCE_LANGUAGE } from './catalogue';
import { chooseLanguage } from './negotiate';
import type { Overrides } from './overrides';

/** A language's strings as the templates read them: `m.login.submit`. */
export interface Messages {
  [key: string]: string | Messages;
}

export interface Translator {
  /** Every language a page can be shown in, shipped or added by the operator. */
  languages: readonly string[];
  defaultLanguage: string;
  choose(lang: string | undefined, acceptLanguage: string | undefined): string;
  t(language: string, key: string, values?: Record<string, string | number>): string;
  dir(language: string): 'ltr' | 'rtl';
  /** Every non-plural string for `language`, English where the language lacks one. */
  messages(language: string): Messages;
}

function setPath(target: Messages, path: string, value: string): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Messages;
  node[parts[parts.length - 1]] = value;
}

export function createTranslator(options: { overrides?: Overrides; defaultLanguage?: string } = {}): Translator {
  const resources: Record<string, { translation: Record<string, string> }> = {};
  for (const [language, catalogue] of shippedCatalogues()) resources[language] = { translation: flatten(catalogue).flat };
  for (const [language, strings] of Object.entries(options.overrides ?? {})) {
    resources[language] = { translation: { ...resources[language]?.translation, ...strings } };
  }
  const english = resources[SOURCE_LANGUAGE].translation;
  const instance: i18n = i18next.createInstance();
  void instance.init({
    resources,
    lng: SOURCE_LANGUAGE,
    fallbackLng: SOURCE_LANGUAGE,
    // Keys are flat ('login.submit'); pt-BR never borrows from a 'pt' we do not have.
    keySeparator: false,
    load: 'currentOnly',
    interpolation: { escapeValue: false },
    returnEmptyString: false,
    initAsync: false,
  });
  const languages = Object.keys(resources).sort();
  const defaultLanguage = options.defaultLanguage ?? SOURCE_LANGUAGE;
  const cache = new Map<string, Messages>();
  const t = (language: string, key: string, values?: Record<string, string | number>) => instance.t(key, { lng: language, ...values });

  return {
    languages,
    defaultLanguage,
    choose: (lang, acceptLanguage) => chooseLanguage({ lang, acceptLanguage }, languages, defaultLanguage),
    t,
    dir: (language) => (instance.dir(language) === 'rtl' ? 'rtl' : 'ltr'),
    messages(language) {
      let messages = cache.get(language);
      if (!messages) {
        messages = {};
        for (const key of keyShape(english).plain) setPath(messages, key, t(language, key));
        cache.set(language, messages);
      }
      return messages;
    },
  };
}
