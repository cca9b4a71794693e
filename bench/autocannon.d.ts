/** The slice of autocannon 8's API the bench uses (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      timeout?: number;
    }
    interface Histogram {
      average: number;
      p50: number;
      p99: number;
      max: number;
    }
    interface Result {
      requests: Histogram & { total: number };
      /** Milliseconds, whole numbers (hdr-histogram), 2xx only. */
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      duration: number;
      statusCodeStats: Record<string, { count: number }>;
    }
  }
  /** A running load: awaitable for its result, and an emitter of each answer (`response`: client, status, bytes, ms). */
  interface Run extends PromiseLike<autocannon.Result> {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): Run;
  }
  function autocannon(options: autocannon.Options): Run;
  export = autocannon;
}
