/**
 * TOKEN_MODE=password against the Rocket.Chat stand-in: the user's own password through
 * /api/v1/login, emailed and TOTP codes, wrong codes, a token Rocket.Chat revokes later, logout.
 */
import { createLocalIdentity } from '../../service/identity/local';
import { createRocketChatIdentity } from '../../service/modes/password/identity';
import { totpCode } from '../../devstack/rocketchat';
import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, seededStore } from './support/harness';
import { apiSession, loginTokenFrom, pendingFrom, rcAccepts, rcAlice, startPasswordHarness, submitCode, TOTP_SECRET, type PasswordHarness } from './support/password';

let h: PasswordHarness;
afterEach(async () => {
  await h?.close();
});

/** A six-digit code that is none of the TOTP codes the stand-in accepts now. */
function wrongTotp(): string {
  const valid = new Set([-1, 0, 1].map((step) => totpCode(TOTP_SECRET, Date.now() + step * 30_000)));
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

test('plain login: Rocket.Chat’s own token reaches the done page and the API URL, as login-with-token', async () => {
  h = await startPasswordHarness();
  const user = rcAlice(h.rc);
  const jar = cookieJar();
  const done = await login(h.app, jar, 'alice', PASSWORD);
  expect(done.statusCode).toBe(200);
  expect(done.body).toContain('data-mode="app"');
  expect(done.body).toContain("event: 'login-with-token'");
  const token = loginTokenFrom(done.body) as string;
  expect(await rcAccepts(h.rc, user._id, token)).toBe(true);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/login')).toEqual([expect.objectContaining({ method: 'POST', status: 200, userId: user._id })]);

  const api = await apiSession(h.app, jar);
  expect(api.statusCode).toBe(200);
  expect(api.json()).toEqual({ loginToken: token });
  // No second Rocket.Chat login: the session holds the token (Rocket.Chat keeps only 50 a user).
  expect(h.rc.resumeTokenCount(user._id)).toBe(1);
  // The cookie is encrypted: neither the password nor the token can be read from it.
  for (const value of jar.values()) {
    expect(value).not.toContain(token);
    expect(value).not.toContain(PASSWORD);
  }
});

test('the site password is checked first (local source): a wrong one never reaches Rocket.Chat', async () => {
  h = await startPasswordHarness();
  rcAlice(h.rc);
  const refused = await login(h.app, cookieJar(), 'alice', 'not the password');
  expect(refused.statusCode).toBe(401);
  expect(refused.body).toContain('Sign-in failed');
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/login')).toHaveLength(0);
});

test('emailed code: the page says where it went (masked), keeps client/lang/theme, and the code finishes the login', async () => {
  h = await startPasswordHarness();
  const user = rcAlice(h.rc, { email: true });
  const jar = cookieJar();
  const query = '?client=electron&lang=en&theme=dark';
  const page = await login(h.app, jar, 'alice', PASSWORD, query);
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('al***@example.com');
  expect(page.body).not.toContain('alice@example.com');
  expect(page.body).toContain('autocomplete="one-time-code"');
  expect(page.body).toContain('action="login-code?client&#x3D;electron&amp;lang&#x3D;en&amp;theme&#x3D;dark"');
  expect(page.body).not.toContain(PASSWORD);
  expect(h.rc.mail).toHaveLength(1);
  expect(h.rc.mail[0].to).toBe('alice@example.com');

  const done = await submitCode(h.app, jar, page.body, h.rc.mail[0].code, query);
  expect(done.statusCode).toBe(200);
  const token = loginTokenFrom(done.body) as string;
  expect(await rcAccepts(h.rc, user._id, token)).toBe(true);
  expect((await apiSession(h.app, jar)).json()).toEqual({ loginToken: token });
  // The pending login is gone with its password: the same form cannot be replayed.
  const replay = await submitCode(h.app, jar, page.body, h.rc.mail[0].code);
  expect(replay.statusCode).toBe(401);
  expect(replay.body).toContain('Your sign-in expired');
});

test('TOTP: the page asks for the authenticator app, the RFC 6238 code logs in', async () => {
  h = await startPasswordHarness();
  const user = rcAlice(h.rc, { totpSecret: TOTP_SECRET });
  const jar = cookieJar();
  const page = await login(h.app, jar, 'alice', PASSWORD);
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('authenticator app');
  expect(h.rc.mail).toHaveLength(0);
  const done = await submitCode(h.app, jar, page.body, totpCode(TOTP_SECRET));
  expect(done.statusCode).toBe(200);
  expect(await rcAccepts(h.rc, user._id, loginTokenFrom(done.body) as string)).toBe(true);
});

test('wrong codes: totp-invalid asks again with the attempts left, then the login ends', async () => {
  h = await startPasswordHarness({ env: { PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE: '9' } });
  rcAlice(h.rc, { totpSecret: TOTP_SECRET });
  const jar = cookieJar();
  const first = await login(h.app, jar, 'alice', PASSWORD);
  const second = await submitCode(h.app, jar, first.body, wrongTotp());
  expect(second.statusCode).toBe(401);
  expect(second.body).toContain('That code is not right. 2 attempts left.');
  expect(pendingFrom(second.body)).not.toBe(pendingFrom(first.body));
  // Relative form actions must reach the code route from either page (the bug: /login/login/code).
  const action = (html: string) => /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  expect(new URL(action(first.body), `${PUBLIC_ORIGIN}/login`).pathname).toBe('/login-code');
  expect(new URL(action(second.body), `${PUBLIC_ORIGIN}/login-code`).pathname).toBe('/login-code');
  // The next code still works after a wrong one.
  const third = await submitCode(h.app, jar, second.body, wrongTotp());
  expect(third.body).toContain('1 attempt left.');
  const last = await submitCode(h.app, jar, third.body, wrongTotp());
  expect(last.statusCode).toBe(401);
  expect(last.body).toContain('Too many wrong codes');
  expect(last.body).toContain('name="password"');
  // A retry from the start with the right code works.
  const again = await login(h.app, jar, 'alice', PASSWORD);
  expect((await submitCode(h.app, jar, again.body, totpCode(TOTP_SECRET))).statusCode).toBe(200);
});

test('a pending login is bound to the browser that started it (its CSRF cookie)', async () => {
  h = await startPasswordHarness();
  rcAlice(h.rc, { totpSecret: TOTP_SECRET });
  const page = await login(h.app, cookieJar(), 'alice', PASSWORD);
  const other = cookieJar();
  const otherPage = await h.app.inject({ method: 'GET', url: '/login' });
  other.take(otherPage.headers['set-cookie']);
  // Another browser with its own valid CSRF pair but someone else's pending id.
  const stolen = await h.app.inject({
    method: 'POST',
    url: '/login-code',
    headers: { cookie: other.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ pendingId: pendingFrom(page.body), code: totpCode(TOTP_SECRET), _csrf: csrfFrom(otherPage.body) }).toString(),
  });
  expect(stolen.statusCode).toBe(401);
  expect(stolen.body).toContain('Your sign-in expired');
});

test('a token Rocket.Chat revoked later: the API URL checks /me, drops it (401), and the login page shows the form', async () => {
  h = await startPasswordHarness({ env: { PASSWORD_MODE_RECHECK_SECONDS: '0' } });
  const user = rcAlice(h.rc);
  const jar = cookieJar();
  const done = await login(h.app, jar, 'alice', PASSWORD);
  const token = loginTokenFrom(done.body) as string;
  expect((await apiSession(h.app, jar)).statusCode).toBe(200);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/me')).toHaveLength(1);

  // The user logs out of Rocket.Chat elsewhere: the token is gone there.
  await fetch(`${h.rc.url}/api/v1/logout`, { method: 'POST', headers: { 'x-user-id': user._id, 'x-auth-token': token } });
  const api = await apiSession(h.app, jar);
  expect(api.statusCode).toBe(401);
  expect(api.body).toBe('');
  expect(String(api.headers['set-cookie'])).toMatch(/__Host-rcib_session=;/);
  jar.take(api.headers['set-cookie']);
  const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('name="password"');
});

test('the login page re-checks a held token whatever its age; a live one is handed over again', async () => {
  h = await startPasswordHarness();
  const user = rcAlice(h.rc);
  const jar = cookieJar();
  const token = loginTokenFrom((await login(h.app, jar, 'alice', PASSWORD)).body) as string;
  const again = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
  expect(loginTokenFrom(again.body)).toBe(token);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/me')).toHaveLength(1);
  expect(h.rc.resumeTokenCount(user._id)).toBe(1);

  await fetch(`${h.rc.url}/api/v1/logout`, { method: 'POST', headers: { 'x-user-id': user._id, 'x-auth-token': token } });
  const form = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
  expect(form.body).toContain('name="password"');
  expect(String(form.headers['set-cookie'])).toMatch(/__Host-rcib_session=;/);
});

test('the API URL hands out a young token without asking Rocket.Chat', async () => {
  h = await startPasswordHarness();
  rcAlice(h.rc);
  const jar = cookieJar();
  await login(h.app, jar, 'alice', PASSWORD);
  for (let i = 0; i < 3; i += 1) expect((await apiSession(h.app, jar)).statusCode).toBe(200);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/me')).toHaveLength(0);
});

test('no session: the API URL is a bare 401 (nothing can be issued without the password)', async () => {
  h = await startPasswordHarness();
  const api = await apiSession(h.app, cookieJar());
  expect(api.statusCode).toBe(401);
  expect(api.body).toBe('');
});

test('POST /logout ends the session and the Rocket.Chat token with the user’s own credentials', async () => {
  h = await startPasswordHarness();
  const user = rcAlice(h.rc);
  const jar = cookieJar();
  const done = await login(h.app, jar, 'alice', PASSWORD);
  const token = loginTokenFrom(done.body) as string;
  const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(done.body) } });
  expect(out.statusCode).toBe(200);
  expect(h.rc.requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/api/v1/logout', status: 200, userId: user._id }));
  expect(await rcAccepts(h.rc, user._id, token)).toBe(false);
  jar.take(out.headers['set-cookie']);
  expect((await apiSession(h.app, jar)).statusCode).toBe(401);
});

test('Rocket.Chat down: the form answers 503, not a failed login', async () => {
  h = await startPasswordHarness();
  rcAlice(h.rc);
  await h.rc.faults.set({ down: true });
  const response = await login(h.app, cookieJar(), 'alice', PASSWORD);
  expect(response.statusCode).toBe(503);
  expect(response.body).toContain('Chat is unavailable');
});

test('the code form is rate-limited per IP like the login form, with a readable page', async () => {
  h = await startPasswordHarness({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '2' } });
  const post = () => h.app.inject({ method: 'POST', url: '/login-code?lang=en', headers: { origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'pendingId=x&code=1&_csrf=y' });
  await post();
  await post();
  const limited = await post();
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['content-type']).toContain('text/html');
});

test('the lockout counts the account, not the spelling: failures as "alice" lock "alice@example.com" too', async () => {
  h = await startPasswordHarness({ env: { LOCKOUT_THRESHOLD: '2' } });
  rcAlice(h.rc);
  for (let i = 0; i < 2; i += 1) await login(h.app, cookieJar(), 'alice', 'wrong');
  const locked = await login(h.app, cookieJar(), 'alice@example.com', PASSWORD);
  expect(locked.statusCode).toBe(401);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/login')).toHaveLength(0);
});

/** `count` login form posts at once from three addresses (under the per-IP limit), `last` sent last. */
async function burst(count: number, username: string, last: string) {
  const jar = cookieJar();
  const page = await h.app.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const csrf = csrfFrom(page.body);
  const guess = (password: string, i: number) =>
    h.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: `10.0.0.${(i % 3) + 1}`,
      headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
    });
  return Promise.all([...Array.from({ length: count - 1 }, (_, i) => guess(`wrong-${i}`, i)), guess(last, count - 1)]);
}

test('parallel guesses cannot outrun the lockout (local source): at most the threshold of site checks, the right password last is refused', async () => {
  const store = await seededStore();
  const local = createLocalIdentity(store);
  let checks = 0;
  const identity = {
    ...local,
    async verifyPassword(login: string, password: string) {
      checks += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return local.verifyPassword!(login, password);
    },
  };
  h = await startPasswordHarness({ env: { LOCKOUT_THRESHOLD: '5' }, deps: { identity } });
  rcAlice(h.rc);
  const answers = await burst(30, 'alice', PASSWORD);
  expect(answers.map((answer) => answer.statusCode)).toEqual(Array(30).fill(401));
  expect(checks).toBeLessThanOrEqual(5);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/login')).toHaveLength(0);
});

test('parallel guesses cannot outrun the lockout (IDENTITY_SOURCE=rocketchat): at most the threshold of Rocket.Chat logins', async () => {
  h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat', LOCKOUT_THRESHOLD: '3', PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE: '9' }, deps: { identity: createRocketChatIdentity(async () => true) } });
  rcAlice(h.rc);
  const answers = await burst(12, 'alice', PASSWORD);
  expect(answers.every((answer) => answer.statusCode === 401)).toBe(true);
  expect(h.rc.requests.filter((r) => r.path === '/api/v1/login').length).toBeLessThanOrEqual(3);
});

test('wrong two-factor codes count towards the lockout: a login whose codes ran out is a failure of the account', async () => {
  h = await startPasswordHarness({ env: { LOCKOUT_THRESHOLD: '1', PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE: '9' } });
  rcAlice(h.rc, { totpSecret: TOTP_SECRET });
  const jar = cookieJar();
  // Two logins waiting for a code; the first runs out of codes.
  const first = await login(h.app, jar, 'alice', PASSWORD);
  const second = await login(h.app, jar, 'alice', PASSWORD);
  let page = first.body;
  for (let i = 0; i < 3; i += 1) page = (await submitCode(h.app, jar, page, wrongTotp())).body;
  expect(page).toContain('Too many wrong codes');
  const calls = () => h.rc.requests.filter((r) => r.path === '/api/v1/login').length;
  const before = calls();
  // The account is locked now: the other waiting login's right code is refused without asking Rocket.Chat,
  const code = await submitCode(h.app, jar, second.body, totpCode(TOTP_SECRET));
  expect(code.statusCode).toBe(401);
  expect(code.body).toContain('Sign-in failed');
  // and so is a new login with the right password, by username or by email.
  expect((await login(h.app, cookieJar(), 'alice', PASSWORD)).statusCode).toBe(401);
  expect((await login(h.app, cookieJar(), 'alice@example.com', PASSWORD)).statusCode).toBe(401);
  expect(calls()).toBe(before);
});
