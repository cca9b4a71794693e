import type { IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';

/**
 * The response an App's HTTP call resolved to, or a throw when there is none. Rocket.Chat's
 * current HTTP bridge lets a network failure (refused, reset) propagate; older versions caught
 * it and resolved to the error's `response`, `undefined` for a refused connection. Both mean
 * that nothing answered.
 */
export function answerOf(response: IHttpResponse | undefined): IHttpResponse {
  if (typeof response !== 'object' || response === null || typeof response.statusCode !== 'number') {
    throw new Error('no answer (the HTTP bridge resolved without a response)');
  }
  return response;
}
