import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export type LoginOutcome = 'success' | 'bad_credentials' | 'locked' | 'csrf' | 'denied' | 'unavailable' | 'session' | 'two_factor' | 'rate_limited';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; login(outcome: LoginOutcome): void; credential(source: 'held' | 'issued', outcome: 'ok' | 'denied' | 'unavailable'): void };
  }
}

type Labels = Record<string, string | number>;

/** What prom-client's registry reads from a metric when it is scraped (`Metric.get()`). */
interface Exposition {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { labels: Labels; value: number; metricName?: string }[];
}

/**
 * prom-client hashes the label object on every `inc`/`observe`, children included (`labels()`
 * only binds the object). Our series are few and their labels known in advance, so each is a
 * plain record found by a precomputed key, and the registry reads them when scraped: the same
 * exposition, a few additions per request.
 */
class CounterSeries {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The series for these labels (made on first use); callers add to its `value`. */
  child(key: string, labels: () => Labels): { value: number } {
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { labels: labels(), value: 0 }));
    return entry;
  }

  get(): Exposition {
    const values = [...this.series.values()].map(({ labels, value }) => ({ labels, value }));
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }

  reset(): void {
    this.series.clear();
  }
}

export interface HistogramSeries {
  labels: Labels;
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

class Histogram {
  private readonly series: HistogramSeries[] = [];
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  /** A series to observe into directly: made once per label set. */
  child(labels: Labels): HistogramSeries {
    const series = { labels, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
    this.series.push(series);
    return series;
  }

  observe(series: HistogramSeries, value: number): void {
    const { buckets } = this;
    let index = 0;
    while (index < buckets.length && value > buckets[index]) index += 1;
    series.counts[index] += 1;
    series.sum += value;
    series.count += 1;
  }

  get(): Exposition {
    const values: Exposition['values'] = [];
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      this.buckets.forEach((le, index) => {
        cumulative += counts[index];
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

/** Prometheus metrics in a Registry of this app instance (tests build many apps in one process). */
export default fp<{ processMetrics?: boolean }>(
  async (fastify, options) => {
    const registry = new Registry();
    // Process metrics describe the process, not an app instance, and their observers keep a
    // test process alive: only the server turns them on.
    if (options.processMetrics) collectDefaultMetrics({ register: registry });
    const requests = new CounterSeries('http_requests_total', 'HTTP requests by route and status');
    const latency = new Histogram('http_request_duration_seconds', 'HTTP request latency by route and status', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
    const logins = new CounterSeries('logins_total', 'Login attempts by outcome');
    const credentials = new CounterSeries('credentials_total', 'Rocket.Chat credentials answered, held in the session or newly issued');
    for (const metric of [requests, latency, logins, credentials]) registry.registerMetric(metric as unknown as Metric);

    fastify.decorate('metrics', {
      registry,
      login: (outcome: LoginOutcome) => {
        logins.child(outcome, () => ({ outcome })).value += 1;
      },
      credential: (source: 'held' | 'issued', outcome: 'ok' | 'denied' | 'unavailable') => {
        credentials.child(source + outcome, () => ({ source, outcome })).value += 1;
      },
    });

    /**
     * Counts and times the answers of one route pattern (not the URL: unbounded label values
     * would explode the series). Each route gets its own hook, made when it is registered, so
     * the pattern is known without building `request.routeOptions` per request.
     */
    const recorder = (route: string) => {
      const byMethod = new Map<string, Map<number, { count: { value: number }; time: HistogramSeries }>>();
      return (method: string, status: number, seconds: number) => {
        let byStatus = byMethod.get(method);
        if (!byStatus) byMethod.set(method, (byStatus = new Map()));
        let series = byStatus.get(status);
        if (!series) {
          const labels = { method, route, status: String(status) };
          byStatus.set(status, (series = { count: requests.child(`${method} ${route} ${status}`, () => labels), time: latency.child(labels) }));
        }
        series.count.value += 1;
        latency.observe(series.time, seconds);
      };
    };

    // A callback hook: no promise per request.
    fastify.addHook('onRoute', (routeOptions) => {
      const record = recorder(routeOptions.url);
      const hook = (request: { method: string }, reply: { statusCode: number; elapsedTime: number }, done: () => void) => {
        record(request.method, reply.statusCode, reply.elapsedTime / 1000);
        done();
      };
      const existing = routeOptions.onResponse;
      routeOptions.onResponse = existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
    });
    // Answers no route matched (the not-found handler runs the app's hooks, not a route's).
    const unmatched = recorder('unmatched');
    fastify.addHook('onResponse', (request, reply, done) => {
      if (request.is404) unmatched(request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics' },
);
