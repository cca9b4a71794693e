/**
 * A fixed window counter per key (a client address, or a user) for the API URL's mints, checked
 * synchronously just before one. @fastify/rate-limit (still used by the form routes) costs the API URL, every page load's
 * hot path, three promises, an IPv6 check and a `request.routeOptions` per call; this keeps the
 * same limit with a map lookup. Kept for that path's budget: the API URL's fast path is held to
 * ≥ 80% of a bare Fastify route's throughput (bench/README.md, rows 2 and 2m, with its current
 * figures), so it has little to spend. (The fast path has since stopped counting at all: only
 * mints are limited.)
 * Clients are keyed as @fastify/rate-limit keys them, with its exported and documented
 * `normalizeIP` (IPv6 grouped by /64, so one host's addresses are one client). The map is
 * bounded, oldest window out first, so a flood of addresses cannot grow memory.
 */
import { normalizeIP } from '@fastify/rate-limit';

export interface RateWindow {
  /** Counts one request of `client`; answers the seconds to wait when it is over the limit, else 0. */
  hit(client: string, nowMs?: number): number;
}

export function clientKey(ip: string): string {
  // IPv4 as is; anything with a colon (IPv6, IPv4-mapped IPv6) through the plugin's grouping.
  return ip.includes(':') ? normalizeIP(ip) : ip;
}

export function createRateWindow(options: { max: number; windowMs: number; maxClients?: number }): RateWindow {
  const { max, windowMs } = options;
  const maxClients = options.maxClients ?? 10_000;
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    hit(client, nowMs = Date.now()) {
      let window = windows.get(client);
      if (!window || window.resetAt <= nowMs) {
        if (window) windows.delete(client);
        else if (windows.size >= maxClients) windows.delete(windows.keys().next().value as string);
        // Re-inserted: the map's order stays the order in which windows started.
        windows.set(client, (window = { count: 0, resetAt: nowMs + windowMs }));
      }
      window.count += 1;
      return window.count > max ? Math.max(1, Math.ceil((window.resetAt - nowMs) / 1000)) : 0;
    },
  };
}
