import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type LoginOutcome = 'success' | 'bad_credentials' | 'locked' | 'csrf' | 'denied' | 'unavailable' | 'session' | 'two_factor' | 'rate_limited';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; login(outcome: LoginOutcome): void; credential(source: 'held' | 'issued', outcome: 'ok' | 'denied' | 'unavailable'): void };
  }
}

/** Prometheus metrics in a Registry of this app instance (tests build many apps in one process). */
export default fp<{ processMetrics?: boolean }>(
  async (fastify, options) => {
    const registry = new Registry();
    // Process metrics describe the process, not an app instance, and their observers keep a
    // test process alive: only the server turns them on.
    if (options.processMetrics) collectDefaultMetrics({ register: registry });
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
    const latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const logins = new Counter({ name: 'logins_total', help: 'Login attempts by outcome', labelNames: ['outcome'], registers: [registry] });
    const credentials = new Counter({ name: 'credentials_total', help: 'Rocket.Chat credentials answered, held in the session or newly issued', labelNames: ['source', 'outcome'], registers: [registry] });

    fastify.decorate('metrics', {
      registry,
      login: (outcome: LoginOutcome) => logins.inc({ outcome }),
      credential: (source: 'held' | 'issued', outcome: 'ok' | 'denied' | 'unavailable') => credentials.inc({ source, outcome }),
    });

    fastify.addHook('onResponse', async (request, reply) => {
      // The route pattern, not the URL: unbounded label values would explode the series.
      const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
    });
  },
  { name: 'metrics' },
);
