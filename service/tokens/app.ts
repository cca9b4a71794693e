/**
 * TOKEN_MODE=app: a signed assertion goes to the App's `login` endpoint, which answers
 * with a Rocket.Chat resume token. Node's fetch keeps connections alive between calls.
 */
import type { LoginReply, StatusReply } from '../../app/contract/replies';
import type { AssertionKey } from '../config';
import { createAssertionSigner } from './assertion';
import { TokenError, type TokenIssuer } from './types';

export interface AppTokenIssuerOptions {
  loginUrl: string;
  logoutUrl: string;
  statusUrl: string;
  timeoutMs: number;
  key: AssertionKey;
  issuer: string;
  audience: string;
  lifetimeSeconds: number;
}

interface AppAnswer {
  status: number;
  body: unknown;
}

function reasonOf(body: unknown, fallback: string): string {
  if (typeof body === 'object' && body !== null) {
    const { reason, error } = body as { reason?: unknown; error?: unknown };
    if (typeof reason === 'string' && /^[a-z_]{1,64}$/.test(reason)) return reason;
    if (typeof error === 'string' && /^[a-z_]{1,64}$/.test(error)) return error;
  }
  return fallback;
}

function isLoginReply(body: unknown): body is LoginReply {
  return typeof body === 'object' && body !== null && typeof (body as LoginReply).loginToken === 'string' && (body as LoginReply).loginToken.length > 0;
}

export function createAppTokenIssuer(options: AppTokenIssuerOptions): TokenIssuer {
  const signer = createAssertionSigner(options);

  async function call(url: string, init: { method: 'GET' | 'POST'; body?: unknown }): Promise<AppAnswer> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method,
        headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      // By name, not instanceof: the DOMException may come from another realm.
      const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new TokenError('unavailable', timedOut ? 'app_timeout' : 'app_unreachable');
    }
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  }

  function failure(answer: AppAnswer): TokenError {
    if (answer.status === 401 || answer.status === 403) return new TokenError('denied', reasonOf(answer.body, `app_${answer.status}`));
    return new TokenError('unavailable', reasonOf(answer.body, `app_${answer.status}`));
  }

  return {
    mode: 'app',
    async issue(user) {
      const answer = await call(options.loginUrl, { method: 'POST', body: { assertion: await signer.sign(user) } });
      if (answer.status !== 200) throw failure(answer);
      if (!isLoginReply(answer.body)) throw new TokenError('unavailable', 'app_bad_reply');
      return { loginToken: answer.body.loginToken };
    },
    async revoke(user) {
      const answer = await call(options.logoutUrl, { method: 'POST', body: { assertion: await signer.sign(user) } });
      if (answer.status !== 200) throw failure(answer);
    },
    async ready() {
      try {
        const answer = await call(options.statusUrl, { method: 'GET' });
        return answer.status === 200 && (answer.body as StatusReply | undefined)?.configured === true;
      } catch {
        return false;
      }
    },
    async close() {},
  };
}
