/** Sharing Rocket.Chat's per-address budget: per route, per client address, per account; short waits wait. */
import { HeldTokenCache } from '../../service/modes/password/held-token-cache';
import { LoginBlocks } from '../../service/modes/password/login-blocks';
import { RocketChatBudgets, RouteBudget } from '../../service/modes/password/budget';

function clock() {
  const state = { now: 0, waited: [] as number[] };
  return {
    state,
    now: () => state.now,
    wait: async (ms: number) => {
      state.waited.push(ms);
      state.now += ms;
    },
  };
}

const budget = (c: ReturnType<typeof clock>, over: Partial<ConstructorParameters<typeof RouteBudget>[0]> = {}) =>
  new RouteBudget({ calls: 10, windowMs: 60_000, clientCalls: 3, accountCalls: 5, maxWaitMs: 5_000, now: c.now, wait: c.wait, ...over });

test('one client address gets its share, then waits its own time; others still get calls', async () => {
  const c = clock();
  const b = budget(c);
  for (let i = 0; i < 3; i += 1) expect((await b.take({ client: 'x', account: `u${i}` })).ok).toBe(true);
  expect(await b.take({ client: 'x', account: 'u9' })).toEqual({ ok: false, retryAfterSeconds: 60, by: 'client' });
  expect((await b.take({ client: 'y', account: 'alice' })).ok).toBe(true);
  expect(b.used()).toBe(4);
});

test('a call that worked is given back to its client, not to the route', async () => {
  const c = clock();
  const b = budget(c);
  for (let i = 0; i < 5; i += 1) {
    const grant = await b.take({ client: 'office', account: `user${i}` });
    expect(grant.ok).toBe(true);
    if (grant.ok) grant.giveBack();
  }
  expect(b.used()).toBe(5);
});

test('one account gets accountCalls per window, whichever client asks', async () => {
  const c = clock();
  const b = budget(c, { clientCalls: 10 });
  for (let i = 0; i < 5; i += 1) expect((await b.take({ client: `c${i}`, account: 'Alice' })).ok).toBe(true);
  expect(await b.take({ client: 'c9', account: 'alice ' })).toMatchObject({ ok: false, by: 'account' });
});

test('a full route waits when the wait is short, and refuses when it is long', async () => {
  const c = clock();
  const b = budget(c, { clientCalls: 10, accountCalls: 10 });
  for (let i = 0; i < 10; i += 1) {
    c.state.now = i * 1000;
    expect((await b.take({ client: `c${i}` })).ok).toBe(true);
  }
  c.state.now = 57_000; // the first call leaves the window in 3 s: wait for it
  expect((await b.take({ client: 'late' })).ok).toBe(true);
  expect(c.state.waited).toEqual([3_000]);
  // Ten calls at once, then one 10 s later: the next free call is 50 s away, too long to wait.
  const full = budget(c, { clientCalls: 10, accountCalls: 10 });
  c.state.now = 100_000;
  for (let i = 0; i < 10; i += 1) await full.take({ client: `d${i}` });
  c.state.now = 110_000;
  expect(await full.take({ client: 'refused' })).toEqual({ ok: false, retryAfterSeconds: 50, by: 'rocketchat' });
  expect(full.stats).toEqual({ granted: 10, refused: 1 });
});

test("Rocket.Chat's 429 pauses that route only", async () => {
  const c = clock();
  const budgets = new RocketChatBudgets({ calls: 10, windowSeconds: 60, registerPerMinute: 1, clientSharePercent: 30, accountCalls: 5, maxWaitSeconds: 5 }, c);
  budgets.routes.register.pause(40);
  expect(await budgets.routes.register.take({ client: 'x' })).toEqual({ ok: false, retryAfterSeconds: 40, by: 'rocketchat' });
  expect((await budgets.routes.login.take({ client: 'x', account: 'carol' })).ok).toBe(true);
  expect((await budgets.routes.me.take()).ok).toBe(true);
});

test('the client share is a percentage of the route, at least one call', () => {
  const budgets = new RocketChatBudgets({ calls: 2, windowSeconds: 60, registerPerMinute: 1, clientSharePercent: 30, accountCalls: 5, maxWaitSeconds: 5 });
  expect(budgets.routes.login.limit).toBe(2);
});

test('LoginBlocks: an IP block stops every login, a user block one account; both run out', () => {
  let now = 0;
  const blocks = new LoginBlocks(5, () => now);
  expect(blocks.remember('user', 'Alice')).toEqual({ scope: 'user', minutes: 5 });
  expect(blocks.current('alice')).toEqual({ scope: 'user', minutes: 5 });
  expect(blocks.current('bob')).toBeUndefined();
  blocks.remember('ip', 'bob');
  now = 61_000;
  expect(blocks.current('carol')).toEqual({ scope: 'ip', minutes: 4 });
  now = 300_001;
  expect(blocks.current('alice')).toBeUndefined();
  expect(blocks.ipBlockedUntil()).toBe(0);
});

test('HeldTokenCache keeps an answer for its time, under a digest of the token', () => {
  let now = 0;
  const cache = new HeldTokenCache(30_000, () => now);
  cache.set('token-1', true);
  expect(cache.get('token-1')).toBe(true);
  expect(JSON.stringify([...(cache as unknown as { answers: Map<string, unknown> }).answers.keys()])).not.toContain('token-1');
  now = 30_000;
  expect(cache.get('token-1')).toBeUndefined();
  cache.set('token-2', false);
  cache.forget('token-2');
  expect(cache.get('token-2')).toBeUndefined();
});
