/**
 * Password mode's accounts and limits against the Rocket.Chat stand-in: registration open and
 * closed, Rocket.Chat as the directory (IDENTITY_SOURCE=rocketchat), Rocket.Chat's 429, and the
 * companion's own per-account budget kept below it.
 */
import { createRocketChatIdentity } from '../../service/modes/password/identity';
import { cookieJar, login, PASSWORD } from './support/harness';
import { apiSession, loginTokenFrom, OLD, rcAccepts, rcAlice, startPasswordHarness, type PasswordHarness } from './support/password';

let h: PasswordHarness;
afterEach(async () => {
  await h?.close();
});

const loginCalls = () => h.rc.requests.filter((r) => r.path === '/api/v1/login');
const directory = () => createRocketChatIdentity(async () => true);

describe('a site user with no Rocket.Chat account', () => {
  test('registration open: users.register with the site’s username, email and name, then logged in', async () => {
    h = await startPasswordHarness({ env: { PASSWORD_MODE_REGISTER: 'register' }, rc: { registration: true } });
    const done = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(done.statusCode).toBe(200);
    const created = h.rc.findUser({ username: 'alice' });
    expect(created).toMatchObject({ username: 'alice', name: 'Alice', emails: [{ address: 'alice@example.com', verified: false }] });
    expect(h.rc.requests.map((r) => `${r.path} ${r.status}`)).toEqual(['/api/v1/login 401', '/api/v1/users.register 200', '/api/v1/login 200']);
    expect(await rcAccepts(h.rc, created!._id, loginTokenFrom(done.body) as string)).toBe(true);
  });

  test('registration closed in Rocket.Chat: the page says so plainly, nothing is created', async () => {
    h = await startPasswordHarness({ env: { PASSWORD_MODE_REGISTER: 'register' }, rc: { registration: false } });
    const refused = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('this chat does not allow new accounts to register');
    expect(h.rc.findUser({ username: 'alice' })).toBeUndefined();
  });

  test('registration off here: no users.register call; the page says the chat account is missing or its password differs', async () => {
    h = await startPasswordHarness({ rc: { registration: true } });
    const refused = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('its password differs from your site password');
    expect(h.rc.requests.map((r) => r.path)).toEqual(['/api/v1/login']);
  });

  test('the account exists with another password: registering is refused as "in use", which reads as a password mismatch', async () => {
    h = await startPasswordHarness({ env: { PASSWORD_MODE_REGISTER: 'register' }, rc: { registration: true } });
    h.rc.createUser({ username: 'alice', email: 'alice@example.com', password: 'another password', verified: true, createdAt: OLD });
    const refused = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('its password differs from your site password');
  });
});

describe('IDENTITY_SOURCE=rocketchat: Rocket.Chat is the directory', () => {
  test('GET /login shows the form; a Rocket.Chat user not known to the site logs in by email; the session names the Rocket.Chat user', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat' }, deps: { identity: directory() } });
    const carol = h.rc.createUser({ username: 'carol', email: 'carol@example.com', name: 'Carol C', password: 'carol’s own password', verified: true, createdAt: OLD });
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="password"');
    const jar = cookieJar();
    const done = await login(h.app, jar, 'carol@example.com', 'carol’s own password');
    expect(done.statusCode).toBe(200);
    const token = loginTokenFrom(done.body) as string;
    expect(await rcAccepts(h.rc, carol._id, token)).toBe(true);
    expect((await apiSession(h.app, jar)).json()).toEqual({ loginToken: token });
    expect(h.logs.text).toContain(`"sub":"${carol._id}"`);
  });

  test('a wrong password is the generic failure (unknown user looks the same)', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat' }, deps: { identity: directory() } });
    rcAlice(h.rc);
    for (const [user, password] of [['alice', 'wrong'], ['nobody', 'wrong']]) {
      const refused = await login(h.app, cookieJar(), user, password);
      expect(refused.statusCode).toBe(401);
      expect(refused.body).toContain('Sign-in failed. Check your username and password and try again.');
    }
  });

  test('a deactivated Rocket.Chat account is told so', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat' }, deps: { identity: directory() } });
    h.rc.createUser({ username: 'dave', email: 'dave@example.com', password: PASSWORD, verified: true, createdAt: OLD, active: false });
    const refused = await login(h.app, cookieJar(), 'dave', PASSWORD);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('deactivated');
  });

  test('the configuration refuses IDENTITY_SOURCE=rocketchat outside password mode, and password mode with a site-session source', async () => {
    const { loadConfig } = await import('../../service/config');
    const { baseEnv } = await import('./support/harness');
    expect(() => loadConfig(baseEnv({ IDENTITY_SOURCE: 'rocketchat' }) as NodeJS.ProcessEnv)).toThrow('IDENTITY_SOURCE=rocketchat needs TOKEN_MODE=password');
    expect(() => loadConfig(baseEnv({ TOKEN_MODE: 'password', IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: 'https://site.example/me' }) as NodeJS.ProcessEnv)).toThrow(
      'IDENTITY_SOURCE must be local or rocketchat when TOKEN_MODE=password',
    );
    const config = loadConfig(baseEnv({ TOKEN_MODE: 'password', APP_LOGIN_URL: undefined, ASSERTION_SECRET: undefined }) as NodeJS.ProcessEnv);
    expect(config.password).toEqual({
      restUrl: 'https://chat.example.com',
      timeoutMs: 5000,
      register: false,
      recheckSeconds: 300,
      accountLoginsPerMinute: 5,
      budget: { calls: 10, windowSeconds: 60, registerPerMinute: 1, clientSharePercent: 30, accountCalls: 5, maxWaitSeconds: 5 },
      blockMinutes: 5,
      expectedUsers: 0,
    });
  });
});

describe('rate limits', () => {
  test('Rocket.Chat’s 429 becomes "try again in N seconds" (from x-ratelimit-reset), and later logins wait without asking it', async () => {
    // Told of a bigger budget than Rocket.Chat has (and no client share), the companion meets Rocket.Chat's own 429.
    const env = { IDENTITY_SOURCE: 'rocketchat', PASSWORD_MODE_RC_CALLS: '20', PASSWORD_MODE_CLIENT_SHARE_PERCENT: '100' };
    h = await startPasswordHarness({ env, deps: { identity: directory() }, rc: { rateLimit: true } });
    rcAlice(h.rc);
    // Ten different accounts spend Rocket.Chat's per-IP budget (10 a minute on /api/v1/login).
    for (let i = 0; i < 10; i += 1) expect((await login(h.app, cookieJar(), `user${i}`, 'wrong')).statusCode).toBe(401);
    const limited = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(limited.statusCode).toBe(429);
    const seconds = Number(limited.headers['retry-after']);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(limited.body).toMatch(/Too many sign-in attempts\. Please try again in \d+ seconds?\./);
    expect(loginCalls().at(-1)?.status).toBe(429);

    const callsBefore = loginCalls().length;
    const again = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(again.statusCode).toBe(429);
    expect(loginCalls()).toHaveLength(callsBefore);
  });

  test('one account gets PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE calls to Rocket.Chat, below its 10 per IP, so others still log in', async () => {
    // All from one client address here: its share is lifted to see the account's own.
    const env = { IDENTITY_SOURCE: 'rocketchat', LOCKOUT_THRESHOLD: '100', PASSWORD_MODE_CLIENT_SHARE_PERCENT: '100' };
    h = await startPasswordHarness({ env, deps: { identity: directory() }, rc: { rateLimit: true } });
    rcAlice(h.rc);
    h.rc.createUser({ username: 'erin', email: 'erin@example.com', password: PASSWORD, verified: true, createdAt: OLD });
    for (let i = 0; i < 5; i += 1) expect((await login(h.app, cookieJar(), 'alice', 'guess')).statusCode).toBe(401);
    const sixth = await login(h.app, cookieJar(), 'alice', 'guess');
    expect(sixth.statusCode).toBe(429);
    expect(loginCalls()).toHaveLength(5);
    expect((await login(h.app, cookieJar(), 'erin', PASSWORD)).statusCode).toBe(200);
  });

  test('the account lockout still applies before anything reaches Rocket.Chat', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat', LOCKOUT_THRESHOLD: '2' }, deps: { identity: directory() } });
    rcAlice(h.rc);
    for (let i = 0; i < 2; i += 1) await login(h.app, cookieJar(), 'alice', 'guess');
    const locked = await login(h.app, cookieJar(), 'alice', PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(loginCalls()).toHaveLength(2);
  });
});
