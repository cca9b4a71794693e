import type { onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InvalidReason } from '../../app/contract/claims';
import type { ProvisioningDeniedReason } from '../../app/contract/replies';

export type LoginOutcome = 'success' | 'bad_credentials' | 'locked' | 'csrf' | 'denied' | 'unavailable' | 'session' | 'two_factor' | 'rate_limited';

/**
 * The reasons a refusal is counted under: the App's (the contract's), the MongoDB and password
 * issuers' own, and the App's bare status. The App's answer is not ours to trust, so anything
 * else is `other`: a hostile or broken App cannot grow the series without bound.
 */
const REFUSAL_REASONS: ReadonlySet<string> = new Set([
  ...([
    'auto_create_off',
    'email_domain_not_allowed',
    'email_not_verified',
    'user_deactivated',
    'role_not_grantable',
    'username_taken',
    'email_taken',
  ] satisfies ProvisioningDeniedReason[]),
  ...([
    'malformed',
    'too_large',
    'alg_not_allowed',
    'unknown_key',
    'bad_signature',
    'missing_claim',
    'bad_claim',
    'expired',
    'not_yet_valid',
    'issued_in_future',
    'lifetime_too_long',
    'wrong_issuer',
    'wrong_audience',
    'replayed',
  ] satisfies InvalidReason[]),
  'user_not_found',
  'not_a_user',
  'password_required',
  'app_401',
  'app_403',
]);

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry;
      login(outcome: LoginOutcome): void;
      credential(source: 'held' | 'issued', outcome: 'ok' | 'denied' | 'unavailable'): void;
      /** A credential the issuer denied, by its reason (TokenError's). */
      refusal(reason: string): void;
      /** An answer given outside Fastify (service/http/fast-lane.ts), counted as the route's hook counts Fastify's. */
      answered(route: string, method: string, status: number, ms: number): void;
    };
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
    // The API URL's fast path counts one credential per answer, and prom-client validates and
    // hashes a label object on every `inc` (a child's too): answers are counted in plain numbers
    // here and handed to prom-client when it collects (each scrape), so /metrics reads the same.
    const uncounted: Record<'held' | 'issued', Record<'ok' | 'denied' | 'unavailable', number>> = {
      held: { ok: 0, denied: 0, unavailable: 0 },
      issued: { ok: 0, denied: 0, unavailable: 0 },
    };
    new Counter({
      name: 'credentials_total',
      help: 'Rocket.Chat credentials answered, held in the session or newly issued',
      labelNames: ['source', 'outcome'],
      registers: [registry],
      collect() {
        for (const source of ['held', 'issued'] as const) {
          for (const outcome of ['ok', 'denied', 'unavailable'] as const) {
            const n = uncounted[source][outcome];
            if (n === 0) continue;
            uncounted[source][outcome] = 0;
            this.inc({ source, outcome }, n);
          }
        }
      },
    });
    const refusals = new Counter({ name: 'credential_refusals_total', help: 'Rocket.Chat credentials the issuer denied, by reason (unknown reasons as other)', labelNames: ['reason'], registers: [registry] });

    // prom-client hashes label objects on every call; the series are few (route pattern ×
    // method × status), so keep each one's children instead.
    /** One route's series, by method and status: found without building a key string per request. */
    const seriesOf = (route: string) => {
      const byMethod = new Map<string, Map<number, Histogram.Internal<string>>>();
      return (method: string, status: number, ms: number) => {
        let byStatus = byMethod.get(method);
        if (!byStatus) byMethod.set(method, (byStatus = new Map()));
        let child = byStatus.get(status);
        if (!child) byStatus.set(status, (child = latency.labels({ method, route, status: String(status) })));
        child.observe(ms / 1000);
      };
    };
    const routes = new Map<string, ReturnType<typeof seriesOf>>();
    const seriesFor = (route: string) => {
      let series = routes.get(route);
      if (!series) routes.set(route, (series = seriesOf(route)));
      return series;
    };

    fastify.decorate('metrics', {
      registry,
      login: (outcome: LoginOutcome) => logins.inc({ outcome }),
      credential: (source: 'held' | 'issued', outcome: 'ok' | 'denied' | 'unavailable') => {
        uncounted[source][outcome] += 1;
      },
      refusal: (reason: string) => refusals.inc({ reason: REFUSAL_REASONS.has(reason) ? reason : 'other' }),
      answered: (route, method, status, ms) => seriesFor(route)(method, status, ms),
    });

    // The route pattern, not the URL: unbounded label values would explode the series. Each route
    // gets its own hook with its pattern, since `request.routeOptions` builds a new object per
    // access. Callback hooks: no promise per request.
    fastify.addHook('onRoute', (route) => {
      const observe = seriesFor(route.url);
      const hook: onResponseHookHandler = (request, reply, done) => {
        observe(request.method, reply.statusCode, reply.elapsedTime);
        done();
      };
      route.onResponse = [...(Array.isArray(route.onResponse) ? route.onResponse : route.onResponse ? [route.onResponse] : []), hook];
    });
    // What no route matched (the not-found handler has no route of its own).
    const unmatched = seriesFor('unmatched');
    fastify.addHook('onResponse', (request, reply, done) => {
      if (request.is404) unmatched(request.method, reply.statusCode, reply.elapsedTime);
      done();
    });
  },
  { name: 'metrics' },
);
