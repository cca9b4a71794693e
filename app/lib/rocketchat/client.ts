/**
 * A small client for Rocket.Chat's REST API over the App's IHttp accessor. Every call has
 * a timeout and every failure becomes a typed error: the endpoints answer 502, never crash.
 */
import type { IHttp, IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import { RocketChatUnavailable } from '../errors';
import { answerOf } from '../http/answer';
import { CallTimeout, withTimeout } from '../http/timeout';

export interface Connection {
  baseUrl: string;
  adminUserId: string;
  adminToken: string;
  timeoutMs: number;
}

/** The part of a logger the client uses; the App passes its ILogger. */
export interface LogSink {
  warn(...items: unknown[]): void;
}

export interface RestReply {
  status: number;
  body: Record<string, unknown>;
}

/** Rocket.Chat answered 4xx (other than 401/403/429): each call decides what that means. */
export class RocketChatRefused extends Error {
  constructor(readonly status: number, readonly errorText: string, readonly errorType: string) {
    super(`Rocket.Chat refused: ${status} ${errorType || errorText}`.slice(0, 200));
  }
}

export class RocketChatClient {
  constructor(private readonly http: IHttp, private readonly connection: Connection, private readonly log: LogSink) {}

  get(path: string, query: Record<string, string>): Promise<RestReply> {
    // Built by hand: URLSearchParams is not a global in every Apps-Engine runtime.
    const search = Object.entries(query)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
    return this.call('GET', `${path}?${search}`);
  }

  post(path: string, body: object): Promise<RestReply> {
    return this.call('POST', path, body);
  }

  private async call(method: 'GET' | 'POST', path: string, body?: object): Promise<RestReply> {
    const route = path.split('?')[0] ?? path;
    const url = `${this.connection.baseUrl}/api/v1/${path}`;
    const options = {
      headers: {
        'X-User-Id': this.connection.adminUserId,
        'X-Auth-Token': this.connection.adminToken,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      content: body ? JSON.stringify(body) : undefined,
      timeout: this.connection.timeoutMs,
    };
    let response: IHttpResponse;
    try {
      response = answerOf(await withTimeout(method === 'GET' ? this.http.get(url, options) : this.http.post(url, options), this.connection.timeoutMs));
    } catch (error) {
      // The bridge's message names the failure (e.g. ECONNREFUSED); it never holds our headers.
      const why = error instanceof CallTimeout ? `no answer within ${this.connection.timeoutMs} ms` : `request failed (${error instanceof Error ? error.message.slice(0, 160) : 'unknown'})`;
      this.log.warn(`Rocket.Chat ${route}: ${why}`);
      throw new RocketChatUnavailable(`${route}: network`);
    }
    return this.interpret(route, response);
  }

  private interpret(route: string, response: IHttpResponse): RestReply {
    const status = response.statusCode;
    const body = parseBody(response);
    if (status === 401 || status === 403) {
      // The admin credential is wrong or lacks a permission: an operator problem, logged as such.
      this.log.warn(`Rocket.Chat ${route}: ${status} — check rc_admin_user_id / rc_admin_token and the user's permissions (${errorField(body, 'error')})`);
      throw new RocketChatUnavailable(`${route}: ${status}`);
    }
    if (status === 429 || status >= 500 || status < 200 || (status >= 300 && status < 400)) {
      this.log.warn(`Rocket.Chat ${route}: HTTP ${status}`);
      throw new RocketChatUnavailable(`${route}: ${status}`);
    }
    if (!body) {
      this.log.warn(`Rocket.Chat ${route}: HTTP ${status} with a body that is not a JSON object`);
      throw new RocketChatUnavailable(`${route}: malformed`);
    }
    if (status >= 400) throw new RocketChatRefused(status, errorField(body, 'error'), errorField(body, 'errorType'));
    if (body.success !== true) {
      this.log.warn(`Rocket.Chat ${route}: HTTP ${status} without success`);
      throw new RocketChatUnavailable(`${route}: no success`);
    }
    return { status, body };
  }
}

function parseBody(response: IHttpResponse): Record<string, unknown> | undefined {
  let value: unknown = response.data;
  if (typeof response.content === 'string') {
    try {
      value = JSON.parse(response.content);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function errorField(body: Record<string, unknown> | undefined, name: string): string {
  const value = body?.[name];
  return typeof value === 'string' ? value.slice(0, 200) : '';
}
