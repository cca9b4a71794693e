/** Rocket.Chat's /api/v1/login failure shapes, 6.x to the announced change: one test per shape. */
import { errorCode, readLoginReply } from '../../service/modes/password/login-reply';

const at401 = (body: Record<string, unknown>) => readLoginReply({ status: 401, body });

describe('two-factor', () => {
  test('7.x/8.x: error totp-required with details.method totp', () => {
    expect(at401({ success: false, status: 'error', error: 'totp-required', message: 'TOTP Required', details: { method: 'totp', availableMethods: ['totp'] } })).toEqual({ kind: 'two-factor', method: 'totp' });
  });

  test('7.x/8.x: emailed code, with codeGenerated and emailOrUsername', () => {
    const body = { status: 'error', error: 'totp-required', message: 'TOTP Required', details: { method: 'email', codeGenerated: true, emailOrUsername: 'alice', availableMethods: ['email'] } };
    expect(at401(body)).toEqual({ kind: 'two-factor', method: 'email' });
  });

  test('password as the second factor (details.method password)', () => {
    expect(at401({ status: 'error', error: 'totp-required', details: { method: 'password' } })).toEqual({ kind: 'two-factor', method: 'password' });
  });

  test('6.x: errorType totp-required beside a message in error', () => {
    expect(at401({ success: false, error: 'TOTP Required [totp-required]', errorType: 'totp-required', details: { method: 'email' } })).toEqual({ kind: 'two-factor', method: 'email' });
  });

  test('6.x: errorType only', () => {
    expect(at401({ status: 'error', errorType: 'totp-required', details: { method: 'totp' } })).toEqual({ kind: 'two-factor', method: 'totp' });
  });

  test('a message ending in [totp-required] and no details: an emailed code by default', () => {
    expect(readLoginReply({ status: 400, body: { success: false, error: 'TOTP Required [totp-required]' } })).toEqual({ kind: 'two-factor', method: 'email' });
  });

  test('a wrong code, in either field', () => {
    expect(at401({ status: 'error', error: 'totp-invalid', message: 'TOTP Invalid' })).toEqual({ kind: 'code-invalid' });
    expect(at401({ success: false, error: 'TOTP Invalid [totp-invalid]', errorType: 'totp-invalid' })).toEqual({ kind: 'code-invalid' });
    expect(at401({ status: 'error', error: 'totp-max-attempts' })).toEqual({ kind: 'code-attempts' });
  });

  test('the announced shape says nothing: ambiguous, never a plain wrong password', () => {
    expect(at401({ success: false, error: 'unauthorized' })).toEqual({ kind: 'ambiguous' });
    expect(at401({ error: 'unauthorized' })).toEqual({ kind: 'ambiguous' });
  });
});

test("the brute-force block, by IP and by user, in Rocket.Chat's shape", () => {
  const details = { function: 'Accounts.validateLoginAttempt' };
  expect(at401({ status: 'error', error: 'error-login-blocked-for-ip', message: 'Login has been temporarily blocked For IP', details })).toEqual({ kind: 'blocked', scope: 'ip' });
  expect(at401({ status: 'error', error: 'error-login-blocked-for-user', message: 'Login has been temporarily blocked For User', details })).toEqual({ kind: 'blocked', scope: 'user' });
  expect(at401({ success: false, error: 'Login has been temporarily blocked For User [error-login-blocked-for-user]', errorType: 'error-login-blocked-for-user' })).toEqual({ kind: 'blocked', scope: 'user' });
});

test('a wrong password in the detailed shapes is a wrong password', () => {
  expect(at401({ success: false, status: 'error', error: 'Unauthorized', message: 'Unauthorized' })).toEqual({ kind: 'bad-credentials' });
  expect(readLoginReply({ status: 403, body: { status: 'error', error: 403, message: 'User has no password set' } })).toEqual({ kind: 'bad-credentials' });
});

test('success, 429, deactivated, server errors', () => {
  expect(readLoginReply({ status: 200, body: { status: 'success', data: {} } })).toEqual({ kind: 'success' });
  expect(readLoginReply({ status: 429, body: {}, retryAfterSeconds: 12 })).toEqual({ kind: 'rate-limited', retryAfterSeconds: 12 });
  expect(at401({ status: 'error', error: 'error-user-is-not-activated' })).toEqual({ kind: 'inactive' });
  expect(readLoginReply({ status: 502, body: {} })).toEqual({ kind: 'unavailable', status: 502 });
});

test('errorCode prefers a known code in errorType, then error, then a [code] suffix', () => {
  expect(errorCode({ error: 'Something [totp-invalid]' })).toBe('totp-invalid');
  expect(errorCode({ error: 'Unauthorized' })).toBe('Unauthorized');
});
