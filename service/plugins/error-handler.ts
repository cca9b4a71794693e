import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { pageQueryFrom, renderMessage } from '../flow/pages';

/**
 * One error handler: 5xx details are logged, never sent; 4xx say only what class of
 * problem it was. (Routes answer their own auth failures; this is for everything else.)
 */
/** Form routes whose answers a person reads in Rocket.Chat's login iframe (`/logout` unless fetched for JSON). */
const PAGE_FORMS = new Set(['/login', '/login-code', '/login-continue', '/logout']);

export default fp(
  async (fastify) => {
    fastify.setErrorHandler<FastifyError>((error, request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      // The login page lives in Rocket.Chat's iframe: a person reads this answer, not a program.
      const url = request.routeOptions.url ?? '';
      const wantsJson = url === '/logout' && request.headers.accept?.includes('application/json') === true;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        // A form that could not be handled (the shared state in MongoDB did not answer, say): the "unavailable" page.
        if (PAGE_FORMS.has(url) && !wantsJson) return renderMessage(fastify, reply, { query: pageQueryFrom(request.query), page: 'unavailable' }).then((html) => reply.code(503).send(html));
        return reply.code(status).type('application/json').send(JSON.stringify({ error: 'internal_error' }));
      }
      request.log.info({ code: error.code, status }, 'request refused');
      if (status === 429 && PAGE_FORMS.has(url) && !wantsJson) {
        const minutes = Math.max(1, Math.ceil(Number(reply.getHeader('retry-after') ?? 60) / 60));
        return renderMessage(fastify, reply, { query: pageQueryFrom(request.query), page: 'tooManyAttempts', count: minutes }).then((html) => reply.code(429).send(html));
      }
      const error400 = error.validation ? 'bad_request' : status === 429 ? 'too_many_requests' : 'request_refused';
      return reply.code(status).type('application/json').send(JSON.stringify({ error: error400 }));
    });
    fastify.setNotFoundHandler((_request, reply) => reply.code(404).type('application/json').send(JSON.stringify({ error: 'not_found' })));
  },
  { name: 'error-handler' },
);
