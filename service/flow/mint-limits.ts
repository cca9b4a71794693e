/**
 * The API URL's limits on minting. Only minting is limited: it costs Rocket.Chat one of the user's
 * 50 tokens and the App a call. An answer from the session's held login costs neither, and
 * thousands of users behind one office address make those calls every page load, so a
 * per-address count of them would refuse an office. Per address (API_RATE_LIMIT_PER_MINUTE,
 * 0 off) against a flood of new sessions; per user (API_MINTS_PER_USER_PER_MINUTE, 0 off) so one
 * user cannot churn their own tokens from many addresses. The counts live in the state stores:
 * with MONGODB_URL every replica counts together, so a limit does not grow with the replicas.
 *
 * Addresses are keyed as @fastify/rate-limit keys them, with its exported `normalizeIP` (IPv6
 * grouped by /64, so one host's addresses are one client).
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { Config } from '../config';
import type { Session } from '../sessions/cookie-codec';
import type { StateStores } from '../state/types';

const WINDOW_MS = 60_000;

export function clientKey(ip: string): string {
  // IPv4 as is; anything with a colon (IPv6, IPv4-mapped IPv6) through the plugin's grouping.
  return ip.includes(':') ? normalizeIP(ip) : ip;
}

/** A refused mint: the error handler answers 429 `too_many_requests`, these headers beside it. */
export class MintLimitError extends Error {
  readonly statusCode = 429;
  constructor(
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super('API URL mint limit exceeded');
    this.name = 'MintLimitError';
  }

  get headers(): Record<string, string> {
    const wait = String(this.retryAfterSeconds);
    return { 'x-ratelimit-limit': String(this.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': wait, 'retry-after': wait };
  }
}

/** Counts one mint of the session's user from `client`; rejects with MintLimitError when either limit is spent. */
export type AdmitMint = (session: Session, client: string) => Promise<void>;

export function createMintLimits(limits: Config['limits'], state: StateStores): AdmitMint {
  const byAddress = limits.apiPerMinute > 0 ? state.counters('mints-by-address', { maxKeys: 10_000 }) : undefined;
  // Room for every user of a large site minting in the same minute: an evicted window would start a churning user's count afresh.
  const byUser = limits.apiMintsPerUserPerMinute > 0 ? state.counters('mints-by-user', { maxKeys: 100_000 }) : undefined;
  const check = async (counters: typeof byAddress, key: string, limit: number) => {
    if (!counters) return;
    const { count, resetAt } = await counters.hit(key, WINDOW_MS);
    if (count > limit) throw new MintLimitError(limit, Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)));
  };
  return async (session, client) => {
    await check(byAddress, clientKey(client), limits.apiPerMinute);
    await check(byUser, session.user.sub, limits.apiMintsPerUserPerMinute);
  };
}
