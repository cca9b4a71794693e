/** What the login pages look like and speak: branding and languages. */
import { Text, TextOr } from '../fields';
import { parseUrl } from '../parse';
import { shippedLanguages } from '../../i18n/catalogue';
import { loadOverrides } from '../../i18n/overrides';
import type { AreaInput, Checked, Config } from '../types';

export const pageFields = {
  BRANDING_TITLE: TextOr('Sign in to chat', 'Title of the login page (left as is, it is translated)', { maxLength: 120 }),
  BRANDING_LOGO_URL: Text('https URL of a logo shown on the login page'),
  BRANDING_PRIMARY_COLOR: TextOr('#156ff5', 'Colour of buttons and links, like #156ff5 (text on it keeps its contrast)'),
  BRANDING_TEXT: TextOr('', 'A line of text under the title (escaped)', { maxLength: 1000 }),
  DEFAULT_LANGUAGE: TextOr('en', 'Language of the pages when neither `lang=` nor Accept-Language names a known one'),
  MESSAGES_DIR: Text('Folder of `<lang>.json` files whose strings replace or add to the shipped ones'),
} as const;

const COLOR_PATTERN = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export function checkPages({ env, has }: AreaInput): Checked<Pick<Config, 'branding' | 'i18n'>> {
  const problems: string[] = [];
  if (!COLOR_PATTERN.test(env.BRANDING_PRIMARY_COLOR)) problems.push('BRANDING_PRIMARY_COLOR must be a colour like #156ff5');
  const logo = parseUrl(env.BRANDING_LOGO_URL);
  if (has('BRANDING_LOGO_URL') && (!logo || logo.protocol !== 'https:')) problems.push('BRANDING_LOGO_URL must be an https URL');
  const messages = loadOverrides(env.MESSAGES_DIR);
  problems.push(...messages.problems);
  const languages = new Set([...shippedLanguages(), ...Object.keys(messages.overrides)]);
  if (!languages.has(env.DEFAULT_LANGUAGE)) problems.push(`DEFAULT_LANGUAGE must be one of ${[...languages].sort().join(', ')}`);
  return {
    problems,
    value: {
      branding: { title: env.BRANDING_TITLE, logoUrl: logo?.toString(), primaryColor: env.BRANDING_PRIMARY_COLOR, text: env.BRANDING_TEXT },
      i18n: { defaultLanguage: env.DEFAULT_LANGUAGE, overrides: messages.overrides },
    },
  };
}
