/**
 * The stand-in's Block_Multiple_Failed_Logins_* and the announced bare-401 login failures:
 * the shapes the companion has to read (service/modes/password/login-reply.ts).
 */
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { call } from './call';

const OLD = new Date('2024-01-01T00:00:00Z');
let rc: RocketChatStandIn;
afterEach(() => rc?.close());

const loginAs = (user: string, password: string) => call(rc, 'POST', '/api/v1/login', { body: { user, password } });

describe('brute-force block (on by default)', () => {
  it('after 10 failures for a username, its logins are refused — right password too — with error-login-blocked-for-user', async () => {
    rc = await startRocketChat();
    rc.createUser({ username: 'alice', email: 'alice@example.com', password: 'right', createdAt: OLD });
    rc.createUser({ username: 'bob', email: 'bob@example.com', password: 'right', createdAt: OLD });
    for (let i = 0; i < 10; i++) expect((await loginAs('alice', 'wrong')).status).toBe(401);
    const blocked = await loginAs('alice', 'right');
    expect(blocked.status).toBe(401);
    expect(blocked.body).toEqual({
      success: false,
      status: 'error',
      error: 'error-login-blocked-for-user',
      message: 'Login has been temporarily blocked For User',
      details: { function: 'Accounts.validateLoginAttempt' },
    });
    // By email the login names no username: the user block does not apply. Other users are not blocked.
    expect((await loginAs('alice@example.com', 'right')).status).toBe(200);
    expect((await loginAs('bob', 'right')).status).toBe(200);
  });

  it('after 50 failures from one address, every login from it is refused with error-login-blocked-for-ip, before two-factor', async () => {
    rc = await startRocketChat({ loginBlock: { ipAttempts: 5 } });
    rc.createUser({ username: 'carol', email: 'carol@example.com', password: 'right', verified: true, createdAt: OLD, twoFactor: { email: true } });
    for (let i = 0; i < 5; i++) expect((await loginAs(`nobody${i}`, 'wrong')).body.error).toBe('Unauthorized');
    const blocked = await loginAs('carol', 'right');
    expect(blocked.status).toBe(401);
    expect(blocked.body).toMatchObject({ error: 'error-login-blocked-for-ip', message: 'Login has been temporarily blocked For IP', details: { function: 'Accounts.validateLoginAttempt' } });
    expect(rc.mail).toHaveLength(0);
    rc.resetLoginBlock();
    expect((await loginAs('carol', 'right')).body.error).toBe('totp-required');
  });

  it('a successful login clears the count of failures before it', async () => {
    rc = await startRocketChat({ loginBlock: { userAttempts: 3 } });
    rc.createUser({ username: 'dave', email: 'dave@example.com', password: 'right', createdAt: OLD });
    for (let i = 0; i < 2; i++) await loginAs('dave', 'wrong');
    expect((await loginAs('dave', 'right')).status).toBe(200);
    for (let i = 0; i < 2; i++) await loginAs('dave', 'wrong');
    expect((await loginAs('dave', 'right')).status).toBe(200);
  });

  it('can be turned off', async () => {
    rc = await startRocketChat({ loginBlock: false });
    rc.createUser({ username: 'erin', email: 'erin@example.com', password: 'right', createdAt: OLD });
    for (let i = 0; i < 12; i++) await loginAs('erin', 'wrong');
    expect((await loginAs('erin', 'right')).status).toBe(200);
  });
});

describe("loginErrors: 'unauthorized' (the announced breaking change)", () => {
  it('answers every failed login — wrong password, second factor needed, blocked — with 401 {success: false, error: "unauthorized"} only', async () => {
    rc = await startRocketChat({ loginErrors: 'unauthorized', loginBlock: { userAttempts: 2 } });
    rc.createUser({ username: 'frank', email: 'frank@example.com', password: 'right', verified: true, createdAt: OLD, twoFactor: { email: true } });
    const bare = { success: false, error: 'unauthorized' };
    expect(await loginAs('frank', 'right')).toMatchObject({ status: 401, body: bare });
    expect(rc.mail).toHaveLength(1);
    expect(await loginAs('frank', 'wrong')).toMatchObject({ status: 401, body: bare });
    await loginAs('frank', 'wrong');
    expect(await loginAs('frank', 'right')).toMatchObject({ status: 401, body: bare });
  });
});
