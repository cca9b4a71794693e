/**
 * TOKEN_MODE=app: a signed assertion goes to the App's `login` endpoint, which answers
 * with a Rocket.Chat resume token, over keep-alive connections.
 */
import type { LoginReply, StatusReply } from '../../../app/contract/replies';
import type { AssertionKey } from '../../config';
import { JsonRequestError, requestJson } from '../../http/json-client';
import { createAssertionSigner } from './assertion';
import { NotReady } from '../../readiness';
import { TokenError, type TokenIssuer } from '../issuer';

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

  const urls = { login: new URL(options.loginUrl), logout: new URL(options.logoutUrl), status: new URL(options.statusUrl) };

  async function call(url: URL, method: 'GET' | 'POST', body?: unknown): Promise<AppAnswer> {
    try {
      return await requestJson(url, method, options.timeoutMs, body);
    } catch (error) {
      const timedOut = error instanceof JsonRequestError && error.kind === 'timeout';
      throw new TokenError('unavailable', timedOut ? 'app_timeout' : 'app_unreachable');
    }
  }

  function failure(answer: AppAnswer): TokenError {
    if (answer.status === 401 || answer.status === 403) return new TokenError('denied', reasonOf(answer.body, `app_${answer.status}`));
    return new TokenError('unavailable', reasonOf(answer.body, `app_${answer.status}`));
  }

  return {
    mode: 'app',
    async issue(user) {
      const answer = await call(urls.login, 'POST', { assertion: await signer.sign(user) });
      if (answer.status !== 200) throw failure(answer);
      if (!isLoginReply(answer.body)) throw new TokenError('unavailable', 'app_bad_reply');
      const { loginToken, userId } = answer.body;
      // The user id lets the Iframe URL ask Rocket.Chat whether this token still stands (flow/held-login.ts).
      return typeof userId === 'string' && userId !== '' ? { loginToken, userId } : { loginToken };
    },
    async revoke(user) {
      const answer = await call(urls.logout, 'POST', { assertion: await signer.sign(user) });
      if (answer.status !== 200) throw failure(answer);
    },
    /** The App's `status`: reachable, answering, and configured — or what is not, for /readyz. */
    async ready() {
      let answer: AppAnswer;
      try {
        answer = await requestJson(urls.status, 'GET', options.timeoutMs);
      } catch (error) {
        const how = error instanceof JsonRequestError ? (error.code ?? error.kind) : 'failed';
        throw new NotReady(`the App's status endpoint ${urls.status.href} is unreachable (${how})`);
      }
      if (answer.status !== 200) throw new NotReady(`the App's status endpoint ${urls.status.href} answered HTTP ${answer.status}`);
      const status = answer.body as StatusReply | undefined;
      if (status?.configured !== true) {
        const missing = Array.isArray(status?.missing) ? status.missing.filter((id) => typeof id === 'string' && /^[a-z_]{1,64}$/.test(id)) : [];
        throw new NotReady(`the App is not configured${missing.length > 0 ? `: missing ${missing.join(', ')}` : ''}`);
      }
      return true;
    },
    async close() {},
  };
}
