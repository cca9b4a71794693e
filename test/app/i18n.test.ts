/**
 * The settings page speaks through translation keys, the Apps-Engine way: every label,
 * description, section and option the settings name has an English text in app/i18n/en.json,
 * every text there is used, and the packaged zip carries it where the engine reads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppPackageParser } from '@rocket.chat/apps-engine/server/compiler/AppPackageParser';
import { Section, settings, SettingId, STATUS_OPTION_KEY } from '../../app/settings';

const root = join(__dirname, '..', '..');
const english = JSON.parse(readFileSync(join(root, 'app', 'i18n', 'en.json'), 'utf8')) as Record<string, string>;

/** Every key the settings name, except the status line's one option (its label is the line itself) and the algorithm names. */
function keysInUse(): string[] {
  const keys = new Set<string>(Object.values(Section));
  for (const setting of settings) {
    keys.add(setting.i18nLabel);
    if (setting.i18nDescription) keys.add(setting.i18nDescription);
    if (setting.id === SettingId.Status || setting.id === SettingId.AssertionAlgorithms) continue;
    for (const option of setting.values ?? []) keys.add(option.i18nLabel);
  }
  return [...keys].sort();
}

test('every key the settings use has an English text, and every English text is used', () => {
  expect(Object.keys(english).sort()).toEqual(keysInUse());
  for (const text of Object.values(english)) expect(text.trim().length).toBeGreaterThan(0);
});

test('the status setting keeps its line as the option label (no key: Rocket.Chat shows it as written)', () => {
  const status = settings.find((setting) => setting.id === SettingId.Status)!;
  expect(status.values).toEqual([{ key: STATUS_OPTION_KEY, i18nLabel: expect.not.stringMatching(/_label$/) }]);
});

test("the engine's own package parser finds the English texts in the packaged zip", async () => {
  const parsed = await new AppPackageParser().unpackageApp(readFileSync(join(root, 'dist', 'iframe-auth-bridge_0.1.0.zip')));
  expect(parsed.languageContent).toEqual({ en: english });
});
