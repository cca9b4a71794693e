import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, seededStore, startHarness, type Harness } from './support/harness';
import { createLocalIdentity } from '../../service/identity/local';
import type { UserStore } from '../../service/users/types';

let store: UserStore;
let h: Harness;
beforeAll(async () => {
  store = await seededStore();
});
beforeEach(async () => {
  h = await startHarness({ store });
});
afterEach(() => h.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

describe('GET /login', () => {
  test('renders an accessible form with security headers for framing by Rocket.Chat only', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/login' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = response.body;
    expect(html).toContain('<label for="username">');
    expect(html).toContain('autocomplete="username"');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).toContain('name="viewport"');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain(`frame-ancestors ${RC_ORIGIN}`);
    expect(csp).not.toMatch(/frame-ancestors[^;]*(\*|'self')/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-frame-options']).toBeUndefined();
    expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(response.headers['cache-control']).toBe('no-store');
    // Every inline script carries the nonce of this response.
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
    for (const tag of html.match(/<style[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  });

  test('sets the CSRF cookie with the session cookie attributes (SameSite=None across sites)', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/login' });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-rcib_csrf=/);
    for (const attribute of ['HttpOnly', 'Secure', 'Path=/', 'SameSite=None']) expect(cookie).toContain(attribute);
    expect(cookie).not.toContain('Partitioned');
    expect(cookie).not.toMatch(/Domain=/i);
  });

  test('Partitioned and SameSite=Lax follow the configuration', async () => {
    const other = await startHarness({ store, env: { COOKIE_PARTITIONED: 'true', PUBLIC_URL: 'https://auth.example.com' } });
    try {
      const jar = cookieJar();
      await login(other.app, jar, 'alice', PASSWORD);
      const response = await other.app.inject({ method: 'GET', url: '/login' });
      const cookie = String(response.headers['set-cookie']);
      expect(cookie).toContain('Partitioned');
      expect(cookie).toContain('SameSite=Lax');
    } finally {
      await other.close();
    }
  });

  test('keeps client=electron and lang through the form', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/login?client=electron&lang=pt-BR' });
    expect(response.body).toContain('action="login?client&#x3D;electron&amp;lang&#x3D;pt-BR"');
    expect(response.body).toContain('<html lang="pt-BR">');
    const bad = await h.app.inject({ method: 'GET', url: '/login?lang=%22%3E%3Cscript%3E' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain('<script>');
  });

  test('branding from the environment, HTML-escaped', async () => {
    const branded = await startHarness({
      store,
      env: { BRANDING_TITLE: 'Acme <script>alert(1)</script>', BRANDING_TEXT: '"><img src=x onerror=alert(1)>', BRANDING_PRIMARY_COLOR: '#ff0000', BRANDING_LOGO_URL: 'https://cdn.acme.test/logo.svg' },
    });
    try {
      const html = (await branded.app.inject({ method: 'GET', url: '/login' })).body;
      expect(html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script>alert(1)');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('--primary: #ff0000');
      expect(html).toContain('src="https://cdn.acme.test/logo.svg"');
      const csp = String((await branded.app.inject({ method: 'GET', url: '/login' })).headers['content-security-policy']);
      expect(csp).toContain('img-src \'self\' data: https://cdn.acme.test');
    } finally {
      await branded.close();
    }
  });

  test('only a navigation that shows the page signs in: an <img>, <script> or fetch() from another site mints nothing', async () => {
    const jar = cookieJar();
    await login(h.app, jar, 'alice', PASSWORD);
    const get = (destination?: string) =>
      h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header(), 'sec-fetch-site': 'cross-site', ...(destination ? { 'sec-fetch-dest': destination } : {}) } });
    for (const destination of ['image', 'script', 'style', 'empty', 'object', 'embed', 'frame', 'worker', 'IFRAME']) {
      const refused = await get(destination);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toBe('');
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    expect(h.standIn.logins).toHaveLength(1);
    // Rocket.Chat's iframe, the mobile app's WebView (a document), and browsers that send no Sec-Fetch-Dest.
    for (const destination of ['iframe', 'document', undefined]) {
      const delivered = await get(destination);
      expect(delivered.statusCode).toBe(200);
      expect(delivered.body).toContain('data-login-token=');
    }
    expect(h.standIn.logins).toHaveLength(4);
  });

  test('with a live session, a fresh token is minted and delivered straight away', async () => {
    const jar = cookieJar();
    await login(h.app, jar, 'alice', PASSWORD);
    const again = await h.app.inject({ method: 'GET', url: '/login?client=electron', headers: { cookie: jar.header() } });
    expect(again.statusCode).toBe(200);
    expect(h.standIn.logins).toHaveLength(2);
    expect(again.body).toContain(`data-login-token="${h.standIn.tokens[1]}"`);
    jar.take(again.headers['set-cookie']);
    const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(api.json()).toEqual({ loginToken: h.standIn.tokens[1] });
  });
});

describe('POST /login', () => {
  test('a good login answers the page that posts login-with-token to the exact Rocket.Chat origin', async () => {
    const jar = cookieJar();
    const response = await login(h.app, jar, 'alice', PASSWORD, '?client=electron');
    expect(response.statusCode).toBe(200);
    const html = response.body;
    expect(html).toContain(`data-login-token="${h.standIn.tokens[0]}"`);
    expect(html).toContain('data-mode="app"');
    expect(html).toContain(`data-rc-origin="${RC_ORIGIN}"`);
    expect(html).toContain("window.parent.postMessage(message, rcOrigin)");
    expect(html).toContain("event: 'login-with-token'");
    expect(html).toContain("event.data.event !== 'login-error'");
    expect(html).toContain('event.origin !== rcOrigin');
    expect(html).not.toMatch(/postMessage\([^)]*'\*'/);
    expect(String(response.headers['content-security-policy'])).toContain(`frame-ancestors ${RC_ORIGIN}`);
    const session = String(response.headers['set-cookie']);
    expect(session).toMatch(/__Host-rcib_session=[^;]+; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=None/);
    expect(h.standIn.logins[0]).toMatchObject({ sub: 'sub-alice', username: 'alice', email: 'alice@example.com', iss: PUBLIC_ORIGIN, aud: RC_ORIGIN });
    expect(h.standIn.logins[0].exp - h.standIn.logins[0].iat).toBeLessThanOrEqual(60);
  });

  test('logs in by email too', async () => {
    expect((await login(h.app, cookieJar(), 'ALICE@example.com', PASSWORD)).statusCode).toBe(200);
  });

  test.each([
    ['a wrong password', 'alice', 'wrong password'],
    ['an unknown user', 'nobody', PASSWORD],
    ['a disabled user', 'bob', PASSWORD],
  ])('%s gets the same generic 401 and no session', async (_case, username, password) => {
    const response = await login(h.app, cookieJar(), username, password);
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Sign-in failed. Check your username and password and try again.');
    expect(response.body).toContain('role="alert"');
    expect(String(response.headers['set-cookie'] ?? '')).not.toContain('rcib_session');
    expect(h.standIn.logins).toHaveLength(0);
  });

  test('a username is escaped when the form is shown again', async () => {
    const response = await login(h.app, cookieJar(), '"><script>alert(1)</script>', PASSWORD);
    expect(response.body).not.toContain('<script>alert(1)');
    expect(response.body).toContain('&quot;&gt;&lt;script&gt;');
  });

  test('CSRF: a missing or wrong token, a foreign Origin, or Origin null is refused', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    const jar = cookieJar();
    jar.take(page.headers['set-cookie']);
    const csrf = csrfFrom(page.body);
    const attempt = (headers: Record<string, string>, token: string) =>
      h.app.inject({ method: 'POST', url: '/login', headers: { cookie: jar.header(), 'content-type': FORM, ...headers }, payload: form({ username: 'alice', password: PASSWORD, _csrf: token }) });
    expect((await attempt({ origin: PUBLIC_ORIGIN }, 'x'.repeat(43))).statusCode).toBe(403);
    expect((await attempt({ origin: 'https://evil.example.net' }, csrf)).statusCode).toBe(403);
    expect((await attempt({ origin: 'null' }, csrf)).statusCode).toBe(403);
    expect((await attempt({ referer: 'https://evil.example.net/x' }, csrf)).statusCode).toBe(403);
    const noCookie = await h.app.inject({ method: 'POST', url: '/login', headers: { origin: PUBLIC_ORIGIN, 'content-type': FORM }, payload: form({ username: 'alice', password: PASSWORD, _csrf: csrf }) });
    expect(noCookie.statusCode).toBe(403);
    expect(h.standIn.logins).toHaveLength(0);
    // The same token from our own origin (or a Referer on it, when Origin is absent) is accepted.
    expect((await attempt({ referer: `${PUBLIC_ORIGIN}/login` }, csrf)).statusCode).toBe(200);
  });

  test('a user the App refuses gets 403 and a clear page', async () => {
    const { hashPassword } = await import('../../service/users/password');
    await store.add({ sub: 'sub-carol', username: 'carol', email: 'carol@example.com', email_verified: true, name: 'Carol', passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: '' }).catch(() => undefined);
    const response = await login(h.app, cookieJar(), 'carol', PASSWORD);
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('may not use this chat');
  });

  describe('a chat account already holds the name or email', () => {
    const addUser = async (username: string) => {
      const { hashPassword } = await import('../../service/users/password');
      await store.add({ sub: `sub-${username}`, username, email: `${username}@example.com`, email_verified: true, name: username, passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: '' }).catch(() => undefined);
    };
    const metric = async (app: Harness['app'], reason: string) => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(new RegExp(`^credential_refusals_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };

    test('the App says username_taken: the page says a chat account with this username exists and an administrator must link it, in the user\'s language', async () => {
      await addUser('dave');
      h.standIn.denyWith = { dave: 'username_taken' };
      const response = await login(h.app, cookieJar(), 'dave', PASSWORD);
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('<h1>A chat account already exists</h1>');
      expect(response.body).toContain('A chat account with your username already exists. An administrator must link it to your site account');
      expect(response.body).not.toContain('may not use this chat');
      expect(response.body).not.toContain('username_taken');
      expect(String(response.headers['content-security-policy'])).toContain(`frame-ancestors ${RC_ORIGIN}`);
      const german = await login(h.app, cookieJar(), 'dave', PASSWORD, '?lang=de');
      expect(german.statusCode).toBe(403);
      expect(german.body).toContain('Ein Chat-Konto mit Ihrem Benutzernamen existiert bereits.');
      // The site login stands: the session cookie is set, as for any refusal of chat.
      expect(String(german.headers['set-cookie'])).toContain('rcib_session=');
      expect(h.logs.text).toMatch(/"kind":"denied","reason":"username_taken".*"msg":"no Rocket.Chat credential"/);
      expect(await metric(h.app, 'username_taken')).toBe(2);
    });

    test('MongoDB mode says email_taken: the page names the email address', async () => {
      const { TokenError } = await import('../../service/modes/issuer');
      const issuer = { mode: 'mongo' as const, issue: async () => Promise.reject(new TokenError('denied', 'email_taken')), revoke: async () => {}, ready: async () => true, close: async () => {} };
      const mongo = await startHarness({ store, deps: { issuer } });
      try {
        const response = await login(mongo.app, cookieJar(), 'alice', PASSWORD, '?lang=fr');
        expect(response.statusCode).toBe(403);
        expect(response.body).toContain('<h1>Un compte de chat existe déjà</h1>');
        expect(response.body).toContain('Un compte de chat avec votre adresse e-mail existe déjà.');
        expect(await metric(mongo.app, 'email_taken')).toBe(1);
      } finally {
        await mongo.close();
      }
    });

    test('any other reason keeps the plain refusal page; a reason outside the known set is counted as other', async () => {
      await addUser('erin');
      await addUser('frank');
      h.standIn.denyWith = { erin: 'auto_create_off', frank: 'made_up_by_a_hostile_app' };
      const known = await login(h.app, cookieJar(), 'erin', PASSWORD);
      expect(known.statusCode).toBe(403);
      expect(known.body).toContain('may not use this chat');
      const unknown = await login(h.app, cookieJar(), 'frank', PASSWORD);
      expect(unknown.body).toContain('may not use this chat');
      expect(await metric(h.app, 'auto_create_off')).toBe(1);
      expect(await metric(h.app, 'other')).toBe(1);
      expect(await metric(h.app, 'made_up_by_a_hostile_app')).toBe(0);
      // The log keeps the App's own word for operators (a short lowercase code, checked in modes/app/issuer.ts).
      expect(h.logs.text).toContain('"reason":"made_up_by_a_hostile_app"');
    });

    test('the reason is not taken from the prototype: a reason named like an Object property is a plain refusal', async () => {
      await addUser('gina');
      h.standIn.denyWith = { gina: 'constructor' };
      const response = await login(h.app, cookieJar(), 'gina', PASSWORD);
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('may not use this chat');
      expect(await metric(h.app, 'other')).toBe(1);
    });
  });

  test('the App timing out gives 503, not a hang', async () => {
    const slow = await startHarness({ store, env: { APP_TIMEOUT_MS: '300' } });
    try {
      slow.standIn.failWith = 'hang';
      const started = Date.now();
      const response = await login(slow.app, cookieJar(), 'alice', PASSWORD);
      expect(response.statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await slow.close();
    }
  });
});

describe('rate limits and lockout', () => {
  test('an account is locked after repeated failures, with the same generic answer', async () => {
    const locked = await startHarness({ store, env: { LOCKOUT_THRESHOLD: '3', LOCKOUT_BASE_SECONDS: '60', LOCKOUT_MAX_SECONDS: '600' } });
    try {
      for (let i = 0; i < 3; i += 1) expect((await login(locked.app, cookieJar(), 'alice', 'wrong')).statusCode).toBe(401);
      const withRightPassword = await login(locked.app, cookieJar(), 'alice', PASSWORD);
      expect(withRightPassword.statusCode).toBe(401);
      expect(withRightPassword.body).toContain('Sign-in failed. Check your username and password and try again.');
      expect(locked.standIn.logins).toHaveLength(0);
      // Another account is not affected.
      expect((await login(locked.app, cookieJar(), 'nobody', 'x')).statusCode).toBe(401);
    } finally {
      await locked.close();
    }
  });

  test('parallel guesses cannot outrun the lockout: at most the threshold of checks run, and the right password last is refused', async () => {
    const local = createLocalIdentity(store);
    let checks = 0;
    const identity = {
      ...local,
      async verifyPassword(login: string, password: string) {
        checks += 1;
        // A slow check: every guess of the burst arrives while the first ones are still running.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return local.verifyPassword!(login, password);
      },
    };
    const raced = await startHarness({ store, deps: { identity }, env: { LOCKOUT_THRESHOLD: '5' } });
    try {
      const jar = cookieJar();
      const page = await raced.app.inject({ method: 'GET', url: '/login' });
      jar.take(page.headers['set-cookie']);
      const csrf = csrfFrom(page.body);
      // 30 guesses from 3 addresses (10 each, under the per-IP limit), the right password sent last.
      const guess = (password: string, i: number) =>
        raced.app.inject({
          method: 'POST',
          url: '/login',
          remoteAddress: `10.0.0.${(i % 3) + 1}`,
          headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': FORM },
          payload: form({ username: i % 2 === 0 ? 'alice' : 'alice@example.com', password, _csrf: csrf }),
        });
      const answers = await Promise.all([...Array.from({ length: 29 }, (_, i) => guess(`wrong-${i}`, i)), guess(PASSWORD, 29)]);
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(30).fill(401));
      expect(checks).toBeLessThanOrEqual(5);
      expect(raced.standIn.logins).toHaveLength(0);
      // Locked now: one more try is refused without a check.
      checks = 0;
      expect((await guess(PASSWORD, 30)).statusCode).toBe(401);
      expect(checks).toBe(0);
    } finally {
      await raced.close();
    }
  });

  test('parallel right passwords of one account all sign in: checks beyond the lockout\'s places wait their turn instead of failing', async () => {
    const local = createLocalIdentity(store);
    let running = 0;
    let most = 0;
    const identity = {
      ...local,
      async verifyPassword(login: string, password: string) {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        return local.verifyPassword!(login, password);
      },
    };
    const busy = await startHarness({ store, deps: { identity }, env: { LOCKOUT_THRESHOLD: '5' } });
    try {
      const jar = cookieJar();
      const page = await busy.app.inject({ method: 'GET', url: '/login' });
      jar.take(page.headers['set-cookie']);
      const csrf = csrfFrom(page.body);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          busy.app.inject({
            method: 'POST',
            url: '/login',
            remoteAddress: `10.0.1.${i + 1}`,
            headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': FORM },
            payload: form({ username: 'alice', password: PASSWORD, _csrf: csrf }),
          }),
        ),
      );
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(12).fill(200));
      expect(most).toBeLessThanOrEqual(5);
    } finally {
      await busy.close();
    }
  });

  test('signed-in GET /login (a fresh token each) is rate limited per IP (LOGIN_RATE_LIMIT_PER_MINUTE, apart from the form), with a readable page', async () => {
    const limited = await startHarness({ store, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const jar = cookieJar();
      await login(limited.app, jar, 'alice', PASSWORD);
      const get = (remoteAddress = '203.0.113.7', cookie = jar.header()) => limited.app.inject({ method: 'GET', url: '/login?lang=en', remoteAddress, headers: { cookie, 'sec-fetch-dest': 'iframe' } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await get()).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      // One token from the form's login, three from the page loads.
      expect(limited.standIn.logins).toHaveLength(4);
      const page = await get();
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Too many attempts');
      expect(page.headers['retry-after']).toBeDefined();
      expect(String(page.headers['content-security-policy'])).toContain('frame-ancestors');
      expect(limited.standIn.logins).toHaveLength(4);
      // Another address is not affected, nor is the bare form (it mints nothing).
      expect((await get('203.0.113.8')).statusCode).toBe(200);
      const form = await get('203.0.113.7', '');
      expect(form.statusCode).toBe(200);
      expect(form.body).toContain('name="password"');
    } finally {
      await limited.close();
    }
  });

  test('POST /login is rate limited per IP', async () => {
    const limited = await startHarness({ store, env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await login(limited.app, cookieJar(), `user${i}`, 'x')).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const limitedPage = await limited.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': FORM, origin: PUBLIC_ORIGIN }, payload: form({ username: 'a', password: 'b', _csrf: 'c' }) });
      expect(limitedPage.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(limitedPage.body).toContain('Too many attempts');
      expect(limitedPage.headers['retry-after']).toBeDefined();
      expect(String(limitedPage.headers['content-security-policy'])).toContain('frame-ancestors');
    } finally {
      await limited.close();
    }
  });
});
