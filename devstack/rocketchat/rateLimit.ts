/**
 * REST rate limiter as Rocket.Chat's api.ts runs it: calls per client IP and route in a fixed
 * window (API_Enable_Rate_Limiter_Limit_Calls_Default 10, API_Enable_Rate_Limiter_Limit_Time_Default
 * 60000 ms); a route may carry its own limit (users.register: Rate_Limiter_Limit_RegisterUser, 1).
 */
export interface RateLimitSettings {
  /** Calls per window and route for routes without their own limit. */
  calls: number;
  windowMs: number;
  /** users.register's own calls per window. */
  registerCalls: number;
}

export const RATE_LIMIT_DEFAULTS: RateLimitSettings = { calls: 10, windowMs: 60_000, registerCalls: 1 };

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(readonly settings: RateLimitSettings = RATE_LIMIT_DEFAULTS) {}

  /** Counts a call; returns the headers to send, whether it is over the limit, and the seconds until the window resets. */
  hit(ip: string, route: string, limit = this.settings.calls): { limited: boolean; headers: Record<string, string>; secondsToReset: number } {
    const key = `${ip} ${route}`;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.settings.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const reset = window.start + this.settings.windowMs;
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
      'x-ratelimit-reset': String(reset),
    };
    return { limited: window.count > limit, headers, secondsToReset: Math.ceil((reset - now) / 1000) };
  }

  reset(): void {
    this.windows.clear();
  }
}

/** API.v1.tooManyRequests with the Meteor error api.ts throws: the message ends with the error code. */
export function tooManyRequestsBody(secondsToReset: number): Record<string, unknown> {
  return {
    success: false,
    error: `Error, too many requests. Please slow down. You must wait ${secondsToReset} seconds before trying this endpoint again. [error-too-many-requests]`,
  };
}
