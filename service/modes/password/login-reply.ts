/**
 * What Rocket.Chat's `POST /api/v1/login` answered, in every shape 6.x–8.x and the announced
 * breaking change send:
 * - 7.x/8.x: 401 `{status: 'error', error: <code>, message, details?}`;
 * - older 6.x paths: `errorType: <code>` beside (or instead of) `error`, whose text may end `[<code>]`;
 * - the announced change: every failure is 401 `{success: false, error: 'unauthorized'}` and nothing
 *   more — a wrong password, a needed second factor and a brute-force block look the same (`ambiguous`).
 */
import type { RestAnswer } from '../../rocketchat/rest';

export type TwoFactorMethod = 'totp' | 'email' | 'password';

export type LoginReply =
  | { kind: 'success' }
  | { kind: 'two-factor'; method: TwoFactorMethod }
  | { kind: 'code-invalid' }
  | { kind: 'code-attempts' }
  | { kind: 'blocked'; scope: 'ip' | 'user' }
  | { kind: 'inactive' }
  | { kind: 'ambiguous' }
  | { kind: 'bad-credentials' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'unavailable'; status: number };

const CODES = ['totp-required', 'totp-invalid', 'totp-max-attempts', 'error-login-blocked-for-ip', 'error-login-blocked-for-user', 'error-user-is-not-activated'];

/** The error code, wherever this version put it. */
export function errorCode(body: Record<string, unknown>): string {
  for (const field of [body.errorType, body.error]) {
    if (typeof field !== 'string') continue;
    if (CODES.includes(field)) return field;
    const suffix = /\[([\w-]+)\]\s*$/.exec(field);
    if (suffix && CODES.includes(suffix[1])) return suffix[1];
  }
  return typeof body.error === 'string' ? body.error : '';
}

function methodOf(body: Record<string, unknown>): TwoFactorMethod {
  const method = (body.details as { method?: unknown } | undefined)?.method;
  return method === 'totp' || method === 'password' ? method : 'email';
}

/** Nothing but `{success: false, error: 'unauthorized'}`: the announced shape, which says nothing about why. */
function isBare(answer: RestAnswer): boolean {
  const keys = Object.keys(answer.body).filter((k) => k !== 'success');
  return answer.status === 401 && keys.length === 1 && answer.body.error === 'unauthorized';
}

export function readLoginReply(answer: RestAnswer): LoginReply {
  const { status, body } = answer;
  if (status === 200 && (body.status === 'success' || body.success === true)) return { kind: 'success' };
  if (status === 429) return { kind: 'rate-limited', retryAfterSeconds: answer.retryAfterSeconds ?? 60 };
  if (status !== 400 && status !== 401 && status !== 403) return { kind: 'unavailable', status };
  if (isBare(answer)) return { kind: 'ambiguous' };
  switch (errorCode(body)) {
    case 'totp-required':
      return { kind: 'two-factor', method: methodOf(body) };
    case 'totp-invalid':
      return { kind: 'code-invalid' };
    case 'totp-max-attempts':
      return { kind: 'code-attempts' };
    case 'error-login-blocked-for-ip':
      return { kind: 'blocked', scope: 'ip' };
    case 'error-login-blocked-for-user':
      return { kind: 'blocked', scope: 'user' };
    case 'error-user-is-not-activated':
      return { kind: 'inactive' };
    default:
      return { kind: 'bad-credentials' };
  }
}
