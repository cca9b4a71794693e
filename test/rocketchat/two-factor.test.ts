import { startRocketChat, totpCode, type RocketChatStandIn } from '../../devstack/rocketchat';
import { call } from './call';

/** /api/v1/login with a second factor, as apps/meteor/app/2fa/server does it. */

let rc: RocketChatStandIn;
beforeAll(async () => {
  rc = await startRocketChat();
  rc.createUser({ username: 'mail2fa', email: 'mail2fa@example.com', password: 'pw', verified: true, twoFactor: { email: true } });
  rc.createUser({ username: 'unverified', email: 'unverified@example.com', password: 'pw', verified: false, twoFactor: { email: true } });
  rc.createUser({ username: 'app2fa', email: 'app2fa@example.com', password: 'pw', verified: true, twoFactor: { email: true, totpSecret: 'JBSWY3DPEHPK3PXP' } });
});
afterAll(() => rc.close());

const login = (body: Record<string, unknown>, headers?: Record<string, string>) => call(rc, 'POST', '/api/v1/login', { body, headers });

it('emailed code: 401 totp-required (error, not errorType) and a code in the outbox', async () => {
  const res = await login({ user: 'mail2fa', password: 'pw' });
  expect(res.status).toBe(401);
  expect(res.body).toEqual({
    success: false,
    status: 'error',
    error: 'totp-required',
    message: 'TOTP Required',
    details: { method: 'email', codeGenerated: true, emailOrUsername: 'mail2fa', availableMethods: ['email'] },
  });
  expect(res.body.errorType).toBeUndefined();
  expect(rc.mail.filter((m) => m.to === 'mail2fa@example.com')).toHaveLength(1);
  // Asking again within the code's life sends nothing new.
  expect((await login({ user: 'mail2fa', password: 'pw' })).body.details.codeGenerated).toBe(false);
  expect(rc.mail.filter((m) => m.to === 'mail2fa@example.com')).toHaveLength(1);
});

it('emailed code: a wrong code is totp-invalid; the right one (header or body, dashes allowed) logs in once', async () => {
  const wrong = await login({ user: 'mail2fa', password: 'pw' }, { 'x-2fa-code': '000000', 'x-2fa-method': 'email' });
  expect(wrong.status).toBe(401);
  expect(wrong.body.error).toBe('totp-invalid');
  const code = rc.mail.filter((m) => m.to === 'mail2fa@example.com').at(-1)!.code;
  const ok = await login({ user: 'mail2fa', password: 'pw' }, { 'x-2fa-code': code, 'x-2fa-method': 'email' });
  expect(ok.status).toBe(200);
  expect(ok.body.data.authToken).toEqual(expect.any(String));
  // Used codes are gone: the same code again starts a new round.
  const again = await login({ user: 'mail2fa', password: 'pw', code: `${code.slice(0, 3)}-${code.slice(3)}` });
  expect(again.body.error).toBe('totp-invalid');
  const next = rc.mail.filter((m) => m.to === 'mail2fa@example.com').at(-1)!.code;
  expect((await login({ user: 'mail2fa', password: 'pw', code: `${next.slice(0, 3)}-${next.slice(3)}` })).status).toBe(200);
});

it('a bad password is refused before any code is sent', async () => {
  const before = rc.mail.length;
  expect((await login({ user: 'mail2fa', password: 'nope' })).body.error).toBe('Unauthorized');
  expect(rc.mail.length).toBe(before);
});

it('emailed codes need a verified email: an unverified user logs in without one', async () => {
  expect((await login({ user: 'unverified', password: 'pw' })).status).toBe(200);
});

it('TOTP comes first among the methods; a current authenticator code logs in', async () => {
  const res = await login({ user: 'app2fa', password: 'pw' });
  expect(res.body.details).toEqual({ method: 'totp', availableMethods: ['totp', 'email'] });
  expect((await login({ user: 'app2fa', password: 'pw' }, { 'x-2fa-code': '123456', 'x-2fa-method': 'totp' })).body.error).toBe('totp-invalid');
  const ok = await login({ user: 'app2fa', password: 'pw' }, { 'x-2fa-code': totpCode('JBSWY3DPEHPK3PXP') });
  expect(ok.status).toBe(200);
});

it('the iframe login handler is subject to 2FA as well; resume is not', async () => {
  const user = rc.findUser({ username: 'mail2fa' })!;
  rc.setIframeToken(user._id, 'mail2fa-iframe');
  const iframe = await login({ iframe: true, token: 'mail2fa-iframe' });
  expect(iframe.status).toBe(401);
  expect(iframe.body.error).toBe('totp-required');
  expect((await login({ resume: rc.issueResumeToken(user._id) })).status).toBe(200);
  // The header code only counts for password logins; an iframe login carries it as totp.code.
  const code = rc.mail.filter((m) => m.to === 'mail2fa@example.com').at(-1)!.code;
  expect((await login({ iframe: true, token: 'mail2fa-iframe' }, { 'x-2fa-code': code })).body.error).toBe('totp-required');
  const again = rc.mail.filter((m) => m.to === 'mail2fa@example.com').at(-1)!.code;
  expect((await login({ totp: { login: { iframe: true, token: 'mail2fa-iframe' }, code: again } })).status).toBe(200);
});

it('login ignores x-2fa-method: with TOTP enabled, an email method header still means TOTP', async () => {
  const res = await login({ user: 'app2fa', password: 'pw' }, { 'x-2fa-code': '000000', 'x-2fa-method': 'email' });
  expect(res.body).toMatchObject({ error: 'totp-invalid', details: { method: 'totp' } });
  expect(rc.mail.filter((m) => m.to === 'app2fa@example.com')).toHaveLength(0);
});

it('five wrong emailed codes end in totp-max-attempts', async () => {
  rc.createUser({ username: 'guesser', email: 'guesser@example.com', password: 'pw', verified: true, twoFactor: { email: true } });
  await login({ user: 'guesser', password: 'pw' });
  const errors: string[] = [];
  for (let i = 0; i < 5; i++) errors.push((await login({ user: 'guesser', password: 'pw', code: '999999' })).body.error);
  expect(errors.slice(0, 4)).toEqual(['totp-invalid', 'totp-invalid', 'totp-invalid', 'totp-invalid']);
  expect(errors[4]).toBe('totp-max-attempts');
});

it('totpCode matches the RFC 6238 SHA-1 test vector', () => {
  // Secret "12345678901234567890" in base32; at T = 59 s the 8-digit code is 94287082.
  expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
});
