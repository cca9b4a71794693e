/**
 * Password mode and Rocket.Chat's limits, against the stand-in with its real defaults: the per-address
 * REST limits (10 calls a minute per route, users.register 1) and the brute-force block. Every call
 * the companion makes comes from its one address, so one client or one account must not spend the
 * budget everybody shares, and Rocket.Chat's refusals must not read as wrong passwords.
 */
import type { FastifyInstance } from 'fastify';
import { createRocketChatIdentity } from '../../service/modes/password/identity';
import { hashPassword } from '../../service/users/password';
import { cookieJar, csrfFrom, PASSWORD, PUBLIC_ORIGIN } from './support/harness';
import { loginTokenFrom, OLD, rcAlice, startPasswordHarness, submitCode, type Jar, type PasswordHarness } from './support/password';

let h: PasswordHarness;
afterEach(async () => {
  await h?.close();
});

const directory = () => createRocketChatIdentity(async () => true);
const calls = (path: string) => h.rc.requests.filter((r) => r.path === path);

/** GET /login, then POST the form, from `ip`. */
async function loginFrom(app: FastifyInstance, ip: string, username: string, password: string, jar: Jar = cookieJar()) {
  const page = await app.inject({ method: 'GET', url: '/login', remoteAddress: ip, headers: { cookie: jar.header() } });
  jar.take(page.headers['set-cookie']);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: ip,
    headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, password, _csrf: csrfFrom(page.body) }).toString(),
  });
  jar.take(response.headers['set-cookie']);
  return response;
}

describe('(a) one client guessing usernames', () => {
  test('does not keep another user with the right password out: made-up usernames cost the client that sent them', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat' }, deps: { identity: directory() }, rc: { rateLimit: true } });
    rcAlice(h.rc);
    const answers: number[] = [];
    for (let i = 0; i < 9; i += 1) answers.push((await loginFrom(h.app, '203.0.113.9', `made-up-${i}`, 'wrong')).statusCode);
    // The next users with the right password (before: the tenth call spent Rocket.Chat's minute, the rest were told to wait).
    h.rc.createUser({ username: 'erin', email: 'erin@example.com', name: 'Erin', password: PASSWORD, verified: true, createdAt: OLD });
    for (const [ip, user] of [['198.51.100.1', 'alice'], ['198.51.100.2', 'erin']]) {
      const signedIn = await loginFrom(h.app, ip, user, PASSWORD);
      expect(signedIn.statusCode).toBe(200);
      expect(loginTokenFrom(signedIn.body)).toBeDefined();
    }
    // Its share spent, the guessing client waits; Rocket.Chat was asked only its share of times.
    expect(answers.filter((s) => s === 401).length).toBeLessThan(9);
    expect(answers.at(-1)).toBe(429);
    expect(calls('/api/v1/login').every((r) => r.status !== 429)).toBe(true);
  });
});

describe('(b) a signed-in client reloading the login page', () => {
  test('does not spend Rocket.Chat’s budget: the held token’s answer is kept briefly, and the next signed-in user gets in', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat', LOGIN_RATE_LIMIT_PER_MINUTE: '100' }, deps: { identity: directory() }, rc: { rateLimit: true } });
    rcAlice(h.rc);
    h.rc.createUser({ username: 'erin', email: 'erin@example.com', name: 'Erin', password: PASSWORD, verified: true, createdAt: OLD });
    const aliceJar = cookieJar();
    expect((await loginFrom(h.app, '198.51.100.1', 'alice', PASSWORD, aliceJar)).statusCode).toBe(200);
    const erinJar = cookieJar();
    expect((await loginFrom(h.app, '198.51.100.2', 'erin', PASSWORD, erinJar)).statusCode).toBe(200);
    for (let i = 0; i < 10; i += 1) {
      const reload = await h.app.inject({ method: 'GET', url: '/login', remoteAddress: '198.51.100.1', headers: { cookie: aliceJar.header() } });
      expect(reload.statusCode).toBe(200);
      aliceJar.take(reload.headers['set-cookie']);
    }
    const erin = await h.app.inject({ method: 'GET', url: '/login', remoteAddress: '198.51.100.2', headers: { cookie: erinJar.header() } });
    expect(erin.statusCode).toBe(200);
    expect(loginTokenFrom(erin.body)).toBeDefined();
    expect(calls('/api/v1/me').every((r) => r.status !== 429)).toBe(true);
    expect(h.logs.text).not.toContain(loginTokenFrom(erin.body));
  });
});

describe('(c) users.register answering 429', () => {
  test('holds back registering only: a user with a Rocket.Chat account still logs in at once', async () => {
    // The companion is told of more registrations than Rocket.Chat allows, so Rocket.Chat's 429 is what stops the second.
    h = await startPasswordHarness({ env: { PASSWORD_MODE_REGISTER: 'register', PASSWORD_MODE_RC_REGISTER_PER_MINUTE: '5' }, rc: { rateLimit: true, registration: true } });
    const passwordHash = await hashPassword(PASSWORD);
    const base = { email_verified: true, disabled: false, createdAt: new Date().toISOString(), passwordHash };
    await h.store.add({ ...base, sub: 'sub-nina', username: 'nina', email: 'nina@example.com', name: 'Nina' });
    await h.store.add({ ...base, sub: 'sub-omar', username: 'omar', email: 'omar@example.com', name: 'Omar' });
    await h.store.add({ ...base, sub: 'sub-carol', username: 'carol', email: 'carol@example.com', name: 'Carol' });
    h.rc.createUser({ username: 'carol', email: 'carol@example.com', name: 'Carol', password: PASSWORD, verified: true, createdAt: OLD });
    expect((await loginFrom(h.app, '198.51.100.1', 'nina', PASSWORD)).statusCode).toBe(200);
    const omar = await loginFrom(h.app, '198.51.100.2', 'omar', PASSWORD);
    expect(omar.statusCode).toBe(429);
    expect(calls('/api/v1/users.register').map((r) => r.status)).toEqual([200, 429]);
    expect((await loginFrom(h.app, '198.51.100.3', 'carol', PASSWORD)).statusCode).toBe(200);
  });

  test('knowing the registration limit, the companion does not even ask: the second new user is told to wait', async () => {
    h = await startPasswordHarness({ env: { PASSWORD_MODE_REGISTER: 'register' }, rc: { rateLimit: true, registration: true } });
    const passwordHash = await hashPassword(PASSWORD);
    const base = { email_verified: true, disabled: false, createdAt: new Date().toISOString(), passwordHash };
    await h.store.add({ ...base, sub: 'sub-nina', username: 'nina', email: 'nina@example.com', name: 'Nina' });
    await h.store.add({ ...base, sub: 'sub-omar', username: 'omar', email: 'omar@example.com', name: 'Omar' });
    expect((await loginFrom(h.app, '198.51.100.1', 'nina', PASSWORD)).statusCode).toBe(200);
    const omar = await loginFrom(h.app, '198.51.100.2', 'omar', PASSWORD);
    expect(omar.statusCode).toBe(429);
    expect(omar.body).toMatch(/Please try again in \d+ seconds/);
    expect(calls('/api/v1/users.register').map((r) => r.status)).toEqual([200]);
  });
});

describe('(d) Rocket.Chat’s brute-force block', () => {
  test('has its own message, and never counts toward the account’s lockout', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat', LOCKOUT_THRESHOLD: '3' }, deps: { identity: directory() }, rc: { loginBlock: { userAttempts: 2 } } });
    rcAlice(h.rc);
    for (let i = 0; i < 2; i += 1) expect((await loginFrom(h.app, '198.51.100.1', 'alice', 'wrong')).statusCode).toBe(401);
    for (let i = 0; i < 2; i += 1) {
      // Counted, the third failure would lock the account and the fourth would be the generic failure.
      const blocked = await loginFrom(h.app, '198.51.100.1', 'alice', PASSWORD);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.body).toContain('Rocket.Chat has paused sign-ins');
      expect(blocked.body).not.toContain('Check your username and password');
    }
  });
});

describe('(e) the announced reply shape: every failed login is 401 {success: false, error: "unauthorized"}', () => {
  test('a user with two-factor and the right password still gets the code step, and the code signs in', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat' }, deps: { identity: directory() }, rc: { loginErrors: 'unauthorized' } });
    rcAlice(h.rc, { email: true });
    const jar = cookieJar();
    const page = await loginFrom(h.app, '198.51.100.1', 'alice', PASSWORD, jar);
    expect(page.body).toContain('name="pendingId"');
    expect(page.body).not.toContain('Check your username and password and try again.');
    const done = await submitCode(h.app, jar, page.body, h.rc.mail.at(-1)!.code);
    expect(done.statusCode).toBe(200);
    expect(loginTokenFrom(done.body)).toBeDefined();
  });
});

describe('(e) continued: a wrong password in the announced shape', () => {
  test('is not called a wrong password either: the code step says it may be the password, and it counts toward the lockout', async () => {
    h = await startPasswordHarness({ env: { IDENTITY_SOURCE: 'rocketchat', LOCKOUT_THRESHOLD: '1' }, deps: { identity: directory() }, rc: { loginErrors: 'unauthorized' } });
    rcAlice(h.rc);
    const page = await loginFrom(h.app, '198.51.100.1', 'alice', 'wrong');
    expect(page.body).toContain('name="pendingId"');
    expect(page.body).toContain('If your account uses two-factor authentication, enter your code here. Otherwise, start again and check your password.');
    // Counted as a possible guess: with a threshold of one the account is now locked.
    const locked = await loginFrom(h.app, '198.51.100.1', 'alice', PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(locked.body).toContain('Sign-in failed. Check your username and password and try again.');
  });
});

describe('operators see it', () => {
  test('/metrics counts Rocket.Chat’s refusals by route and kind and shows the budget; /readyz shows the budget and a block', async () => {
    const env = { IDENTITY_SOURCE: 'rocketchat', PASSWORD_MODE_RC_CALLS: '20', PASSWORD_MODE_CLIENT_SHARE_PERCENT: '100', LOCKOUT_THRESHOLD: '100' };
    h = await startPasswordHarness({ env, deps: { identity: directory() }, rc: { rateLimit: true, loginBlock: { ipAttempts: 3 } } });
    rcAlice(h.rc);
    for (let i = 0; i < 3; i += 1) await loginFrom(h.app, '203.0.113.9', `nobody${i}`, 'wrong');
    const blocked = await loginFrom(h.app, '198.51.100.1', 'alice', PASSWORD);
    expect(blocked.body).toContain('Rocket.Chat has paused sign-ins from this service for 5 minutes.');
    expect(h.logs.text).toContain('Rocket.Chat has blocked sign-ins');

    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('rocketchat_refusals_total{route="login",kind="blocked"} 1');
    expect(metrics).toContain('rocketchat_budget_used{route="login"} 4');
    expect(metrics).toContain('rocketchat_budget_limit{route="login"} 20');
    expect(metrics).toContain('rocketchat_budget_refused_total{route="login"} 0');
    const ready = (await h.app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready.rocketChat).toEqual({ budget: { login: { used: 4, limit: 20 }, me: { used: 0, limit: 20 }, register: { used: 0, limit: 1 } }, signInsPausedMinutes: 5 });
  });
});
