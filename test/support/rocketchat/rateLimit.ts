/** REST rate limiter: 10 calls / 60 s per client IP and route, Rocket.Chat's API_Enable_Rate_Limiter defaults. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit = 10,
    private readonly intervalMs = 60_000,
  ) {}

  /** Counts a call; returns the headers to send and whether it is over the limit. */
  hit(ip: string, route: string, limit = this.limit): { limited: boolean; headers: Record<string, string> } {
    const key = `${ip} ${route}`;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.intervalMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
      'x-ratelimit-reset': String(window.start + this.intervalMs),
    };
    return { limited: window.count > limit, headers };
  }

  reset(): void {
    this.windows.clear();
  }
}
