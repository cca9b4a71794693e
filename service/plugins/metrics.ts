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
    // One histogram: its `_count` series is the request count (rate(..._count[5m]) gives requests
    // a second), so the API URL's hot path updates one prom-client series, not two.
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

    // prom-client hashes label objects on every call; the series are few (route pattern ×
    // method × status), so keep each one's children instead. A callback hook: no promise per request.
    const series = new Map<string, Histogram.Internal<string>>();
    fastify.addHook('onResponse', (request, reply, done) => {
      // The route pattern, not the URL: unbounded label values would explode the series.
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${route} ${reply.statusCode}`;
      let child = series.get(key);
      if (!child) {
        child = latency.labels({ method: request.method, route, status: String(reply.statusCode) });
        series.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics' },
);
