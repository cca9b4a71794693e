/** The pages in every language: negotiation end to end, RTL, operator overrides, escaping, no raw keys. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../service/config';
import { flatten, shippedCatalogues } from '../../service/i18n/catalogue';
import { TokenError, type TokenIssuer } from '../../service/modes/issuer';
import type { UserStore } from '../../service/users/types';
import { baseEnv, cookieJar, login, PASSWORD, PUBLIC_ORIGIN, seededStore, startHarness, type Harness } from './support/harness';

let store: UserStore;
let h: Harness;
beforeAll(async () => {
  store = await seededStore();
  h = await startHarness({ store });
});
afterAll(() => h.close());

const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });
/** A catalogue key showing through instead of its text (login.submit, pages.refused.text, ...). */
const RAW_KEY = /(?:^|[\s>"])(?:login|errors|pages|done|password)\.[a-zA-Z]+(?:\.[a-zA-Z_]+)*(?=[\s<"]|$)/;

const SAMPLES: [string, string][] = [
  ['en', 'Sign in'],
  ['de', 'Anmelden'],
  ['fr', 'Se connecter'],
  ['es', 'Iniciar sesión'],
  ['pt-BR', 'Entrar'],
  ['ru', 'Войти'],
  ['ja', 'サインイン'],
  ['zh-CN', '登录'],
  ['ar', 'تسجيل الدخول'],
];

test.each(SAMPLES)('lang=%s renders the form in that language', async (lang, submit) => {
  const response = await get(`/login?lang=${lang}`);
  expect(response.statusCode).toBe(200);
  expect(response.body).toContain(`<html lang="${lang}"`);
  expect(response.body).toContain(`<button type="submit">${submit}</button>`);
  expect(response.headers['content-language']).toBe(lang);
  expect(response.body).not.toMatch(RAW_KEY);
  expect(/<html[^>]* dir="rtl"/.test(response.body)).toBe(lang === 'ar');
});

test('Arabic is right-to-left and the layout uses logical properties only, so it mirrors', async () => {
  const html = (await get('/login?lang=ar')).body;
  expect(html).toContain('<html lang="ar" dir="rtl">');
  expect(html).toContain('<h1>تسجيل الدخول إلى الدردشة</h1>'); // the default title is translated
  expect(html).toContain('<label for="username">اسم المستخدم أو البريد الإلكتروني</label>');
  const css = /<style[^>]*>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  expect(css).not.toMatch(/(margin|padding|border)-(left|right)|\b(left|right)\s*:|text-align:\s*(left|right)|float:/);
});

test('Accept-Language picks the language when lang= is absent; caches are told the page varies by it', async () => {
  const response = await get('/login', { 'accept-language': 'ko-KR, pt-PT;q=0.9, en;q=0.5' });
  expect(response.body).toContain('<html lang="pt-BR">');
  expect(response.body).toContain('Nome de usuário ou e-mail');
  expect(String(response.headers.vary)).toContain('Accept-Language');
  expect((await get('/login?lang=ja', { 'accept-language': 'de' })).body).toContain('<html lang="ja">');
  expect((await get('/login', { 'accept-language': 'ko' })).body).toContain('<html lang="en">');
});

test('DEFAULT_LANGUAGE is used when nothing else names a known language', async () => {
  const german = await startHarness({ store, env: { DEFAULT_LANGUAGE: 'de' } });
  try {
    expect((await german.app.inject({ method: 'GET', url: '/login', headers: { 'accept-language': 'ko' } })).body).toContain('Anmelden');
  } finally {
    await german.close();
  }
  expect(() => loadConfig(baseEnv({ DEFAULT_LANGUAGE: 'xx' }) as NodeJS.ProcessEnv)).toThrow(/DEFAULT_LANGUAGE must be one of ar, de, en/);
});

test('lang and theme are kept through the form; the error comes back in the same language', async () => {
  const page = await get('/login?lang=de&theme=dark');
  expect(page.body).toContain('data-theme="dark"');
  expect(page.body).toContain('action="login?lang&#x3D;de&amp;theme&#x3D;dark"');
  const failed = await login(h.app, cookieJar(), 'alice', 'wrong', '?lang=de&theme=dark');
  expect(failed.statusCode).toBe(401);
  expect(failed.body).toContain('Anmeldung fehlgeschlagen.');
  expect(failed.body).toContain('<strong>Fehler:</strong>');
  expect(failed.body).toContain('aria-invalid="true"');
  expect((await get('/login?theme=sepia')).statusCode).toBe(400);
});

test('the done page speaks the language, its script strings travel in data attributes', async () => {
  const done = await login(h.app, cookieJar(), 'alice', PASSWORD, '?lang=fr');
  expect(done.statusCode).toBe(200);
  expect(done.body).toContain('<h1>Vous êtes connecté</h1>');
  expect(done.body).toContain('data-msg-return="Vous êtes connecté. Vous pouvez maintenant revenir au chat."');
  expect(done.body).toContain('Se déconnecter');
  expect(done.body).not.toContain('id="mobile-notice"'); // app mode: the mobile app can use the token
  expect(done.body).not.toMatch(RAW_KEY);
});

test('mongo mode: the done page carries the mobile notice, shown only at top level', async () => {
  const issuer: TokenIssuer = { mode: 'mongo', issue: async () => ({ token: 't' }), revoke: async () => {}, ready: async () => true, close: async () => {} };
  const mongo = await startHarness({ store, deps: { issuer } });
  try {
    const done = await login(mongo.app, cookieJar(), 'alice', PASSWORD, '?lang=es');
    expect(done.body).toContain('<p id="mobile-notice" class="notice" hidden>La aplicación móvil de Rocket.Chat no puede completar');
    expect(done.body).toContain("document.getElementById('mobile-notice').hidden = false");
  } finally {
    await mongo.close();
  }
});

test.each(SAMPLES.map(([lang]) => lang))('lang=%s: a chat account holding the username or the email gets its own page in that language', async (lang) => {
  const catalogue = flatten(shippedCatalogues().get(lang) ?? {}).flat;
  let reason = 'username_taken';
  const issuer: TokenIssuer = { mode: 'mongo', issue: async () => Promise.reject(new TokenError('denied', reason)), revoke: async () => {}, ready: async () => true, close: async () => {} };
  const mongo = await startHarness({ store, deps: { issuer } });
  try {
    for (const [code, key] of [['username_taken', 'usernameTaken'], ['email_taken', 'emailTaken']]) {
      reason = code;
      const page = await login(mongo.app, cookieJar(), 'alice', PASSWORD, `?lang=${lang}`);
      expect(page.statusCode).toBe(403);
      expect(page.body).toContain(`<html lang="${lang}"`);
      expect(page.body).toContain(`<h1>${catalogue['pages.accountExists.heading']}</h1>`);
      expect(page.body).toContain(`<p>${catalogue[`pages.accountExists.${key}`]}</p>`);
      expect(page.body).not.toMatch(RAW_KEY);
      expect(page.body).not.toContain(code);
      expect(/<html[^>]* dir="rtl"/.test(page.body)).toBe(lang === 'ar');
    }
  } finally {
    await mongo.close();
  }
});

test('the rate-limit page is translated with a plural from the Retry-After', async () => {
  const limited = await startHarness({ store, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '1' } });
  try {
    const post = () =>
      limited.app.inject({
        method: 'POST',
        url: '/login?lang=ru',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_ORIGIN },
        payload: 'username=a&password=b&_csrf=c',
      });
    await post();
    const page = await post();
    expect(page.statusCode).toBe(429);
    expect(page.body).toContain('<html lang="ru">');
    expect(page.body).toContain('Слишком много попыток');
    expect(page.body).toContain('Подождите 1 минуту');
  } finally {
    await limited.close();
  }
});

describe('operator overrides (MESSAGES_DIR)', () => {
  function messagesDir(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'rcib-messages-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  }

  test('replace shipped strings per language, add a language, and are escaped like any text', async () => {
    const dir = messagesDir({
      'en.json': { login: { submit: 'Enter <b>chat</b> & "talk"' } },
      'de.json': { login: { username: 'Kennung' } },
      'it.json': { login: { submit: 'Accedi' } },
      'fr.json': { done: { returnToChat: '"><img src=x onerror=alert(1)>' } },
    });
    const custom = await startHarness({ store, env: { MESSAGES_DIR: dir } });
    try {
      const en = (await custom.app.inject({ method: 'GET', url: '/login' })).body;
      expect(en).toContain('Enter &lt;b&gt;chat&lt;/b&gt; &amp; &quot;talk&quot;');
      expect(en).not.toContain('<b>chat</b>');
      const de = (await custom.app.inject({ method: 'GET', url: '/login?lang=de' })).body;
      expect(de).toContain('<label for="username">Kennung</label>');
      expect(de).toContain('Anmelden'); // the rest stays shipped German
      const it = (await custom.app.inject({ method: 'GET', url: '/login', headers: { 'accept-language': 'it-IT' } })).body;
      expect(it).toContain('<html lang="it">');
      expect(it).toContain('Accedi');
      expect(it).toContain('Username or email'); // missing keys fall back to English, never a raw key
      expect(it).not.toMatch(RAW_KEY);
      const done = await login(custom.app, cookieJar(), 'alice', PASSWORD, '?lang=fr');
      expect(done.body).toContain('data-msg-return="&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"');
      expect(done.body).not.toContain('<img src=x');
    } finally {
      await custom.close();
    }
  });

  test('are checked at start: unknown keys, non-strings, bad JSON and bad file names are named', () => {
    const dir = messagesDir({
      'en.json': { login: { submitt: 'typo' } },
      'de.json': { login: { submit: 42 } },
      'fr.json': '{ not json',
      'not a tag.json': {},
    });
    let error: unknown;
    try {
      loadConfig(baseEnv({ MESSAGES_DIR: dir }) as NodeJS.ProcessEnv);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('MESSAGES_DIR/en.json: unknown keys login.submitt');
    expect(message).toContain('MESSAGES_DIR/de.json: login.submit must be strings');
    expect(message).toContain('MESSAGES_DIR/fr.json');
    expect(message).toContain('MESSAGES_DIR/not a tag.json');
    expect(() => loadConfig(baseEnv({ MESSAGES_DIR: join(dir, 'missing') }) as NodeJS.ProcessEnv)).toThrow(/MESSAGES_DIR .* is not a readable directory/);
  });

  test('plural forms of a known key are accepted', () => {
    const dir = messagesDir({ 'ru.json': { pages: { tooManyAttempts: { text_few: 'Ждите {{count}} минуты.' } } } });
    expect(loadConfig(baseEnv({ MESSAGES_DIR: dir }) as NodeJS.ProcessEnv).i18n.overrides.ru).toEqual({ 'pages.tooManyAttempts.text_few': 'Ждите {{count}} минуты.' });
  });
});
