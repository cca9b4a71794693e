/**
 * Why a dependency is not ready, in words fit for `/readyz` and the log: what failed and how
 * (a URL without credentials, an error code, an HTTP status, setting ids), never a secret.
 * A part's `ready()` throws it; a plain `false` says only "not ready".
 */
export class NotReady extends Error {
  constructor(reason: string) {
    super(reason.slice(0, 200));
    this.name = 'NotReady';
  }
}

/** What a failed check says: NotReady's reason, else the error's code or name (never its message, which may hold anything). */
export function notReadyReason(error: unknown): string {
  if (error instanceof NotReady) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : 'failed';
}

/** The network error's code when there is one (ECONNREFUSED, ENOTFOUND, …), for a reason line. */
export function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = (error as { code?: unknown } | null)?.code ?? cause?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'failed';
}

/** A URL as a reason may show it: scheme, host and path, without user info or query. */
export function urlForDisplay(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
