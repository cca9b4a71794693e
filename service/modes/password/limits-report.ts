/**
 * Rocket.Chat's limits as this service spends them, for operators: gauges and a counter on the
 * /metrics registry (read when scraped), and a summary for /readyz. Password mode only.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RocketChatLimits } from '../../dependencies';
import type { BudgetRoute } from './budget';

export interface LimitsSummary {
  /** Calls counted in the current window, per route, and the configured budget. */
  budget: Record<BudgetRoute, { used: number; limit: number }>;
  /** Minutes left of Rocket.Chat's brute-force block of this service's address; 0 when none. */
  signInsPausedMinutes: number;
}

export function summarize(limits: RocketChatLimits, now = Date.now()): LimitsSummary {
  const routes = limits.budgets.routes;
  const entries = (Object.keys(routes) as BudgetRoute[]).map((route) => [route, { used: routes[route].used(), limit: routes[route].limit }] as const);
  const until = limits.blocks.ipBlockedUntil();
  return { budget: Object.fromEntries(entries) as LimitsSummary['budget'], signInsPausedMinutes: until ? Math.ceil((until - now) / 60_000) : 0 };
}

export function registerLimitMetrics(registry: Registry, limits: RocketChatLimits): void {
  const routes = limits.budgets.routes;
  new Gauge({
    name: 'rocketchat_budget_used',
    help: "Calls to Rocket.Chat in the current window, per route (password mode; Rocket.Chat's limit counts per address)",
    labelNames: ['route'],
    registers: [registry],
    collect() {
      for (const [route, budget] of Object.entries(routes)) this.set({ route }, budget.used());
    },
  });
  new Gauge({
    name: 'rocketchat_budget_limit',
    help: 'Calls per window the companion may make to Rocket.Chat, per route (PASSWORD_MODE_RC_*)',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      for (const [route, budget] of Object.entries(routes)) this.set({ route }, budget.limit);
    },
  });
  new Counter({
    name: 'rocketchat_budget_refused_total',
    help: "Calls the companion did not make because a share of Rocket.Chat's budget was spent (client, account or route), per route",
    labelNames: ['route'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, budget] of Object.entries(routes)) this.inc({ route }, budget.stats.refused);
    },
  });
  new Counter({
    name: 'rocketchat_refusals_total',
    help: 'Calls Rocket.Chat refused, by route and kind: rate_limited (429) or blocked (Block_Multiple_Failed_Logins)',
    labelNames: ['route', 'kind'],
    registers: [registry],
    collect() {
      // The counts live with the budgets; the counter shows them as they are.
      this.reset();
      for (const [key, count] of limits.budgets.refusals) {
        const [route, kind] = key.split(' ');
        this.inc({ route, kind }, count);
      }
    },
  });
}
