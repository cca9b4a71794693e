/**
 * Request parsing and error replies shared by the endpoints. Every refusal is logged with
 * its machine reason only: assertions, tokens and secrets never reach the log.
 */
import type { IApiRequest, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import { BadRequest, EndpointError, RocketChatUnavailable } from '../lib/errors';
import { RocketChatRefused } from '../lib/rocketchat/client';
import type { EndpointHost } from './host';

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

export function reply(status: number, content: object): IApiResponse {
  return { status, headers: JSON_HEADERS, content };
}

/** The body must be exactly `{"assertion": "<non-empty string>"}`. */
export function readAssertion(request: IApiRequest): string {
  const content: unknown = request.content;
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new BadRequest('body is not a JSON object');
  const keys = Object.keys(content);
  const assertion = (content as { assertion?: unknown }).assertion;
  if (keys.length !== 1 || typeof assertion !== 'string' || assertion === '') throw new BadRequest('body must be {"assertion": string}');
  return assertion;
}

/** The key a refusal is counted under in `status`: the contract's `reason`, else the error code. */
export function rejectionKey(error: unknown): string {
  const known = error instanceof RocketChatRefused ? new RocketChatUnavailable(error.message) : error;
  if (!(known instanceof EndpointError)) return 'internal_error';
  const body = known.body();
  return 'reason' in body ? body.reason : body.error;
}

export function errorReply(error: unknown, host: EndpointHost, endpoint: string): IApiResponse {
  const known = error instanceof RocketChatRefused ? new RocketChatUnavailable(error.message) : error;
  if (known instanceof EndpointError) {
    const body = known.body();
    host.log.info(`${endpoint}: ${known.status} ${body.error}${'reason' in body ? ` ${body.reason}` : ''} — ${known.message}`);
    return reply(known.status, body);
  }
  host.log.error(`${endpoint}: unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : 'failure'}`);
  return reply(500, { error: 'internal_error' });
}
