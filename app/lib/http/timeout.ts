/**
 * A timer of our own around every outbound call: the host's HTTP bridge may ignore the
 * `timeout` option, and a Rocket.Chat event or settings change must never hang on a peer.
 */
export class CallTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

export function withTimeout<T>(pending: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeout(timeoutMs)), timeoutMs);
  });
  return Promise.race([pending, expiry]).finally(() => clearTimeout(timer));
}
