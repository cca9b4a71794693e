/**
 * The TokenIssuer face of password mode. There is no password at the API URL, so nothing is
 * ever issued there: a session either holds the token its login produced or gets a 401 (and
 * Rocket.Chat shows the form). What it adds is checking a held token before handing it out
 * again, and logging out with the user's own token.
 *
 * `/api/v1/me` has Rocket.Chat's per-address limit like every route, shared by all users: its calls
 * go through the route's budget, where one client address has only its share. Rocket.Chat's answers
 * are kept briefly (HeldTokenCache) and used when a fresh call cannot go at once — a client reloading
 * the page again and again gets its token's recent answer instead of spending everybody's calls.
 */
import { NotReady } from '../../readiness';
import { HeldTokenCache } from './held-token-cache';
import type { RocketChatBudgets } from './budget';
import type { RocketChatRest } from '../../rocketchat/rest';
import { TokenError, type HeldLogin, type TokenIssuer } from '../issuer';

/** How long Rocket.Chat's word on a token may stand in for asking: long enough to absorb reloads, short enough that a logout shows soon. */
export const HELD_TOKEN_CACHE_MS = 30_000;

export interface PasswordIssuerOptions {
  recheckSeconds: number;
  budgets: RocketChatBudgets;
  cache?: HeldTokenCache;
  now?: () => number;
}

export function createPasswordTokenIssuer(rest: RocketChatRest, options: PasswordIssuerOptions): TokenIssuer {
  const clock = options.now ?? Date.now;
  const now = () => Math.floor(clock() / 1000);
  const cache = options.cache ?? new HeldTokenCache(HELD_TOKEN_CACHE_MS, clock);
  const auth = (held: HeldLogin) =>
    held.rocketChat && held.credential && 'loginToken' in held.credential ? { userId: held.rocketChat.userId, authToken: held.credential.loginToken } : undefined;

  /** Rocket.Chat's word on the token: asked when the budget allows it at once, else a recent answer, else asked in turn. */
  async function alive(credentials: { userId: string; authToken: string }, client: string | undefined): Promise<boolean> {
    const route = options.budgets.routes.me;
    const now = route.takeNow({ client });
    const known = now ? undefined : cache.get(credentials.authToken);
    if (known !== undefined) return known;
    const grant = now ?? (await route.take({ client }));
    if (!grant.ok) throw new TokenError('unavailable', 'rocketchat_budget_spent');
    const answer = await rest.me(credentials);
    if (answer.status === 429) {
      options.budgets.routes.me.pause(answer.retryAfterSeconds ?? 60);
      options.budgets.refused('me', 'rate_limited');
      throw new TokenError('unavailable', 'rocketchat_429');
    }
    if (answer.status !== 200 && answer.status !== 401 && answer.status !== 403) throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    cache.set(credentials.authToken, answer.status === 200);
    return answer.status === 200;
  }

  return {
    mode: 'password',
    async issue() {
      throw new TokenError('denied', 'password_required');
    },
    async revoke(_user, held) {
      const credentials = held && auth(held);
      if (!credentials) return;
      cache.forget(credentials.authToken);
      const answer = await rest.logout(credentials);
      // 401: Rocket.Chat had already ended it — the outcome we wanted.
      if (answer.status !== 200 && answer.status !== 401) throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    },
    async recheck(held, context) {
      const credentials = auth(held);
      if (!credentials || !held.rocketChat) return undefined;
      if (now() - held.rocketChat.checkedAt < options.recheckSeconds) return held.rocketChat;
      return (await alive(credentials, context?.client)) ? { ...held.rocketChat, checkedAt: now() } : undefined;
    },
    async ready() {
      let status: number;
      try {
        status = (await rest.info()).status;
      } catch (error) {
        throw new NotReady(`Rocket.Chat's REST API is unreachable (${error instanceof TokenError ? error.reason : 'failed'})`);
      }
      if (status !== 200) throw new NotReady(`Rocket.Chat's REST API answered /api/info with HTTP ${status}`);
      return true;
    },
    async close() {},
  };
}
