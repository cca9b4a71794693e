/**
 * @fastify/rate-limit's store over our counters, for the login forms' per-address limits when
 * every replica must count together (MONGODB_URL). The plugin builds the store with `new`, then
 * one child per route: each route counts apart, as with its own in-memory store.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Counters } from './types';

type Incremented = Parameters<FastifyRateLimitStore['incr']>[1];
type RouteParams = Parameters<FastifyRateLimitStore['child']>[0];
/**
 * What the plugin hands `child` at run time: the route's merged limit settings, the route itself
 * under `routeInfo` — empty for a limiter made with `fastify.createRateLimit` (ours: the signed-in
 * login page's), which then counts under its own name, apart from every route's.
 */
type MergedParams = { routeInfo?: { method?: string | string[]; url?: string } };

/** A store class for the plugin's `store` option, its counts in `counters`. */
export function sharedRateLimitStore(counters: Counters): FastifyRateLimitStoreCtor {
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _params: unknown,
      private readonly route = '',
    ) {}

    incr(key: string, done: Incremented, timeWindow: number): void {
      counters.hit(`${this.route} ${key}`, timeWindow).then(
        ({ count, resetAt }) => done(null, { current: count, ttl: Math.max(0, resetAt - Date.now()) }),
        (error: Error) => done(error),
      );
    }

    child(params: RouteParams): SharedRateLimitStore {
      const { method, url } = (params as unknown as MergedParams).routeInfo ?? {};
      return new SharedRateLimitStore(params, url === undefined ? 'createRateLimit' : `${[method].flat().join(',')} ${url}`);
    }
  };
}
