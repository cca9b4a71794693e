/** Accept-Language parsing (q-values, ties, junk) and the choice lang= → Accept-Language → default. */
import { chooseLanguage, matchLanguage, parseAcceptLanguage } from '../../service/i18n/negotiate';

const SUPPORTED = ['ar', 'de', 'en', 'es', 'fr', 'ja', 'pt-BR', 'ru', 'zh-CN'];

describe('parseAcceptLanguage', () => {
  test.each([
    ['de-CH, fr;q=0.9, en;q=0.8', ['de-CH', 'fr', 'en']],
    ['en;q=0.5, ja', ['ja', 'en']],
    ['fr;q=0.7, de;q=0.7, es;q=0.9', ['es', 'fr', 'de']], // ties keep header order
    ['ru;q=0, en', ['en']], // q=0 means "not acceptable"
    ['*;q=0.1, ar', ['ar', '*']],
    // An unreadable q-value drops the entry; a number past 1 keeps it, at the top, as
    // negotiator reads it (parseFloat): the client did name that language.
    ['en;q=1.5, de;q=abc, fr', ['en', 'fr']],
    ['en ; q = 0.3 , ja', ['ja', 'en']], // optional whitespace
    ['"><script>, zh-CN', ['zh-CN']],
    ['', []],
  ])('%j → %j', (header, expected) => {
    expect(parseAcceptLanguage(header)).toEqual(expected);
  });

  test('ignores entries past the 32nd', () => {
    const header = [...Array.from({ length: 40 }, () => 'xx'), 'de'].join(',');
    expect(parseAcceptLanguage(header)).not.toContain('de');
  });
});

describe('matchLanguage', () => {
  test.each([
    ['pt-br', 'pt-BR'],
    ['pt', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['zh', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['en-GB', 'en'],
    ['ar-EG', 'ar'],
    ['ko', undefined],
    ['*', undefined],
  ])('%s → %s', (range, expected) => {
    expect(matchLanguage(range, SUPPORTED)).toBe(expected);
  });
});

describe('chooseLanguage', () => {
  test('an explicit lang wins over Accept-Language', () => {
    expect(chooseLanguage({ lang: 'ja', acceptLanguage: 'de' }, SUPPORTED, 'en')).toBe('ja');
  });
  test('an unknown lang falls through to Accept-Language, then to the default', () => {
    expect(chooseLanguage({ lang: 'ko', acceptLanguage: 'ko, fr;q=0.4' }, SUPPORTED, 'en')).toBe('fr');
    expect(chooseLanguage({ lang: 'ko', acceptLanguage: 'ko, *' }, SUPPORTED, 'es')).toBe('es');
    expect(chooseLanguage({}, SUPPORTED, 'de')).toBe('de');
  });
  test('the first acceptable match by preference, not the first in the list', () => {
    expect(chooseLanguage({ acceptLanguage: 'ko;q=1, ru;q=0.2, ja;q=0.8' }, SUPPORTED, 'en')).toBe('ja');
  });
});
