/**
 * The few Rocket.Chat REST calls password mode makes, as the user (never as an admin):
 * `login`, `me`, `logout`, `users.register` (docs/rocketchat.md). Answers are parsed into
 * plain outcomes here so the flow above never reads raw bodies. Nothing here logs.
 */
import { TokenError } from '../modes/issuer';

export interface RocketChatRestOptions {
  /** Base URL, no trailing slash. */
  restUrl: string;
  timeoutMs: number;
}

export interface RestAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Seconds until Rocket.Chat's rate limiter lets this route through again (429 only). */
  retryAfterSeconds?: number;
}

export interface RocketChatUserSummary {
  userId: string;
  username: string;
  email?: string;
  emailVerified: boolean;
  name: string;
}

/**
 * Rocket.Chat's `x-ratelimit-reset` is an epoch time in milliseconds (api.ts:
 * `Date.now() + timeToReset`); its 429 body also says "wait N seconds" on some versions.
 */
export function retryAfterSeconds(headers: Headers, body: Record<string, unknown>, now = Date.now()): number {
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > now) return Math.max(1, Math.ceil((reset - now) / 1000));
  // A proxy in front may rewrite it the common way, in epoch seconds.
  if (Number.isFinite(reset) && reset > now / 1000 && reset < now / 1000 + 86_400) return Math.max(1, Math.ceil(reset - now / 1000));
  const retryAfter = Number(headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.ceil(retryAfter);
  const said = typeof body.error === 'string' ? /wait (\d+) seconds/i.exec(body.error) : null;
  if (said) return Number(said[1]);
  return 60; // the default window of Rocket.Chat's limiter
}

function summaryOf(me: unknown): RocketChatUserSummary | undefined {
  if (typeof me !== 'object' || me === null) return undefined;
  const { _id, username, name, emails } = me as { _id?: unknown; username?: unknown; name?: unknown; emails?: unknown };
  if (typeof _id !== 'string' || typeof username !== 'string') return undefined;
  const first = Array.isArray(emails) ? (emails[0] as { address?: unknown; verified?: unknown } | undefined) : undefined;
  return {
    userId: _id,
    username,
    email: typeof first?.address === 'string' ? first.address : undefined,
    emailVerified: first?.verified === true,
    name: typeof name === 'string' && name ? name : username,
  };
}

export function createRocketChatRest(options: RocketChatRestOptions) {
  async function call(method: 'GET' | 'POST', path: string, init: { body?: unknown; auth?: { userId: string; authToken: string } } = {}): Promise<RestAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.auth) {
      headers['x-user-id'] = init.auth.userId;
      headers['x-auth-token'] = init.auth.authToken;
    }
    let response: Response;
    try {
      response = await fetch(`${options.restUrl}${path}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      // By name, not instanceof: the DOMException may come from another realm.
      const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
      throw new TokenError('unavailable', name === 'TimeoutError' || name === 'AbortError' ? 'rocketchat_timeout' : 'rocketchat_unreachable');
    }
    const text = await response.text().catch(() => '');
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = {};
    }
    const answer: RestAnswer = { status: response.status, body };
    if (response.status === 429) answer.retryAfterSeconds = retryAfterSeconds(response.headers, body);
    return answer;
  }

  return {
    /** `code`: the second factor, in the body field loginCompatibility reads (`code`, like the x-2fa-code header). */
    login: (user: string, password: string, code?: string) => call('POST', '/api/v1/login', { body: code === undefined ? { user, password } : { user, password, code } }),
    me: (auth: { userId: string; authToken: string }) => call('GET', '/api/v1/me', { auth }),
    logout: (auth: { userId: string; authToken: string }) => call('POST', '/api/v1/logout', { auth }),
    register: (fields: { username: string; email: string; pass: string; name: string }) => call('POST', '/api/v1/users.register', { body: fields }),
    info: () => call('GET', '/api/info'),
    summaryOf,
  };
}

export type RocketChatRest = ReturnType<typeof createRocketChatRest>;
