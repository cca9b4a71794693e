/**
 * The doctor's one way to ask a URL something: like a browser would (an `Origin`, no cookies),
 * never following redirects (a redirect is itself a finding), with a timeout, reading at most a
 * small body. Secrets are never sent except the deliberately invalid probe assertions.
 */
export interface ProbeAnswer {
  status: number;
  headers: Headers;
  /** The body as text, cut at 64 kB. */
  text: string;
  /** The local clock half-way through the exchange, to compare with the `Date` header. */
  localMidpointMs: number;
}

export interface ProbeRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export type Fetcher = (url: string, request?: ProbeRequest) => Promise<ProbeAnswer>;

export function createFetcher(timeoutMs: number): Fetcher {
  return async (url, request = {}) => {
    const started = Date.now();
    const response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await response.text()).slice(0, 64 * 1024);
    return { status: response.status, headers: response.headers, text, localMidpointMs: (started + Date.now()) / 2 };
  };
}

/** Why a request failed, in words an operator can act on. */
export function describeFailure(error: unknown): string {
  // By shape, not instanceof: fetch's errors may come from another realm.
  const { name, message, cause } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return typeof message === 'string' ? message : 'request failed';
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
