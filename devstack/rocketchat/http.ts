import type { IncomingMessage, ServerResponse } from 'node:http';

/** A reply a route gives back; the dispatcher writes it. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by routes; becomes the reply as is. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export const success = (body: Record<string, unknown> = {}): Reply => ({ status: 200, body: { ...body, success: true } });

/** API.v1.failure: 400 `{success: false, error, errorType?, details?}`; a Meteor error's message ends with `[errorType]`. */
export function failure(reason: string, errorType?: string, details?: unknown): ReplyError {
  const body: Record<string, unknown> = { success: false, error: errorType ? `${reason} [${errorType}]` : reason };
  if (errorType) body.errorType = errorType;
  if (details !== undefined) body.details = details;
  return new ReplyError({ status: 400, body });
}

/** Not logged in: api.unauthorized('You must be logged in to do this.') plus the pre-8 compatibility fields. */
export const unauthorized = (): ReplyError =>
  new ReplyError({ status: 401, body: { success: false, error: 'You must be logged in to do this.', status: 'error', message: 'You must be logged in to do this.' } });

/** A permissionsRequired failure: Meteor error-unauthorized mapped to API.v1.forbidden(message). */
export const forbidden = (): ReplyError =>
  new ReplyError({ status: 403, body: { success: false, error: 'User does not have the permissions required for this action [error-unauthorized]' } });

/** What routes that call API.v1.unauthorized() for a missing permission answer (users.logout, users.setActiveStatus). */
export const notAllowed = (): ReplyError => new ReplyError({ status: 403, body: { success: false, error: 'unauthorized' } });

export const notFound = (): ReplyError => new ReplyError({ status: 404, body: { success: false, error: 'Not found' } });

export async function readBody(req: IncomingMessage): Promise<string> {
  req.setEncoding('utf8');
  let text = '';
  for await (const chunk of req) text += chunk as string;
  return text;
}

/** JSON or urlencoded bodies, as Rocket.Chat's REST accepts; anything else is a 400. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw.trim() === '') return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw failure((err as Error).message);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw failure('Invalid body', 'invalid-params');
  return parsed as Record<string, unknown>;
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  if (!headers['content-type']) headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers).end(text);
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
