/**
 * Rocket.Chat's REST rate limiter counts calls per client address and route (10 a minute by
 * default), and every call the companion makes comes from its one address: all users share one
 * budget per route. This keeps our calls under it and shares it out — one client address or one
 * account may spend only its part, so a client guessing usernames costs itself, not everybody.
 *
 * Counting is a sliding window: at most `calls` in any `windowMs`, which never exceeds Rocket.Chat's
 * fixed windows. A call that would have to wait a little (maxWaitMs) waits its turn; a longer wait
 * is refused with the seconds to wait. A 429 pauses only the route it came from.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RouteBudgetOptions {
  /** Calls Rocket.Chat allows the companion's address on this route per window. */
  calls: number;
  windowMs: number;
  /** Calls one client address may have counted against it per window (successful ones are given back). */
  clientCalls: number;
  /** Calls per account per window. */
  accountCalls: number;
  maxWaitMs: number;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

export type BudgetRefusal = { ok: false; retryAfterSeconds: number; by: 'rocketchat' | 'client' | 'account' };
/** `giveBack`: the call did what it was for (a login that worked): it no longer counts against its client. */
export type BudgetGrant = { ok: true; giveBack(): void };

/** Timestamps of calls per key in the window; bounded, oldest keys out first. */
class Counter {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly maxKeys = 50_000) {}

  recent(key: string, now: number, windowMs: number): number[] {
    const recent = (this.calls.get(key) ?? []).filter((at) => now - at < windowMs);
    if (recent.length === 0) this.calls.delete(key);
    else this.calls.set(key, recent);
    return recent;
  }

  add(key: string, at: number): void {
    const list = this.calls.get(key) ?? [];
    this.calls.delete(key);
    this.calls.set(key, [...list, at]);
    for (const first of this.calls.keys()) {
      if (this.calls.size <= this.maxKeys) break;
      this.calls.delete(first);
    }
  }

  remove(key: string, at: number): void {
    const list = this.calls.get(key);
    const index = list?.indexOf(at) ?? -1;
    if (list && index >= 0) list.splice(index, 1);
  }
}

export class RouteBudget {
  private readonly all = new Counter(1);
  private readonly clients = new Counter();
  private readonly accounts = new Counter();
  private pausedUntil = 0;
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<unknown>;
  /** Calls granted and refused since start, for /metrics and /readyz. */
  readonly stats = { granted: 0, refused: 0 };

  constructor(private readonly options: RouteBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.wait = options.wait ?? sleep;
  }

  /** Calls counted in the current window. */
  used(): number {
    return this.all.recent('', this.now(), this.options.windowMs).length;
  }

  get limit(): number {
    return this.options.calls;
  }

  /** Rocket.Chat answered 429 on this route: no call until it said it resets. */
  pause(seconds: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + seconds * 1000);
  }

  /** Takes one call only if it may go at once; undefined otherwise (the caller has something else to fall back on). */
  takeNow(who: { client?: string; account?: string } = {}): BudgetGrant | undefined {
    return this.blockedFor(who) ? undefined : this.grant(who);
  }

  /** Takes one call, waiting a little when that is all it takes; refuses when the wait would be long. */
  async take(who: { client?: string; account?: string } = {}): Promise<BudgetGrant | BudgetRefusal> {
    for (;;) {
      const blocked = this.blockedFor(who);
      if (!blocked) return this.grant(who);
      if (blocked.ms > this.options.maxWaitMs) {
        this.stats.refused += 1;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(blocked.ms / 1000)), by: blocked.by };
      }
      await this.wait(blocked.ms);
    }
  }

  /** The longest wait any of the limits asks for, and whose it is; undefined when the call may go now. */
  private blockedFor(who: { client?: string; account?: string }): { ms: number; by: BudgetRefusal['by'] } | undefined {
    const now = this.now();
    const { windowMs } = this.options;
    const waits: Array<{ ms: number; by: BudgetRefusal['by'] }> = [];
    if (this.pausedUntil > now) waits.push({ ms: this.pausedUntil - now, by: 'rocketchat' });
    const full = (list: number[], limit: number) => (list.length >= limit ? list[list.length - limit] + windowMs - now : 0);
    const global = full(this.all.recent('', now, windowMs), this.options.calls);
    if (global > 0) waits.push({ ms: global, by: 'rocketchat' });
    if (who.client !== undefined) {
      const ms = full(this.clients.recent(who.client, now, windowMs), this.options.clientCalls);
      if (ms > 0) waits.push({ ms, by: 'client' });
    }
    if (who.account !== undefined) {
      const ms = full(this.accounts.recent(key(who.account), now, windowMs), this.options.accountCalls);
      if (ms > 0) waits.push({ ms, by: 'account' });
    }
    // The call needs every limit clear: the longest wait is the one to tell.
    return waits.length === 0 ? undefined : waits.reduce((longest, w) => (w.ms > longest.ms ? w : longest));
  }

  private grant(who: { client?: string; account?: string }): BudgetGrant {
    const at = this.now();
    this.stats.granted += 1;
    this.all.add('', at);
    if (who.client !== undefined) this.clients.add(who.client, at);
    if (who.account !== undefined) this.accounts.add(key(who.account), at);
    const client = who.client;
    return { ok: true, giveBack: () => client !== undefined && this.clients.remove(client, at) };
  }
}

const key = (account: string) => account.trim().toLowerCase();

export type BudgetRoute = 'login' | 'me' | 'register';
export type RefusalKind = 'rate_limited' | 'blocked';

export interface BudgetSettings {
  /** API_Enable_Rate_Limiter_Limit_Calls_Default and _Time_Default, as the operator says Rocket.Chat runs them. */
  calls: number;
  windowSeconds: number;
  /** Rate_Limiter_Limit_RegisterUser: users.register calls a minute. */
  registerPerMinute: number;
  /** Share of a route's calls one client address may spend, in percent. */
  clientSharePercent: number;
  /** Calls to login per account per window. */
  accountCalls: number;
  maxWaitSeconds: number;
}

/** One budget per route Rocket.Chat limits on its own, and what Rocket.Chat refused, for operators. */
export class RocketChatBudgets {
  readonly routes: Record<BudgetRoute, RouteBudget>;
  /** Refusals from Rocket.Chat by route and kind. */
  readonly refusals = new Map<string, number>();

  constructor(settings: BudgetSettings, clock: { now?: () => number; wait?: (ms: number) => Promise<unknown> } = {}) {
    const windowMs = settings.windowSeconds * 1000;
    const clientCalls = Math.max(1, Math.floor((settings.calls * settings.clientSharePercent) / 100));
    const common = { windowMs, clientCalls, accountCalls: settings.accountCalls, maxWaitMs: settings.maxWaitSeconds * 1000, ...clock };
    this.routes = {
      login: new RouteBudget({ ...common, calls: settings.calls }),
      me: new RouteBudget({ ...common, calls: settings.calls }),
      // One registration a minute by default: any client may take it, a spent one is a short wait or a refusal.
      register: new RouteBudget({ ...common, calls: settings.registerPerMinute, windowMs: 60_000, clientCalls: settings.registerPerMinute }),
    };
  }

  refused(route: BudgetRoute, kind: RefusalKind): void {
    const key = `${route} ${kind}`;
    this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
  }
}
