/**
 * The stores that grow with traffic stay bounded when driven past their caps: the App's
 * replay cache (seen jti, pruned once expired) and the companion's memory revocation list (which
 * forgets nothing before it expires).
 * Time is simulated, so hours of traffic take a fraction of a second.
 */
import { ReplayCache } from '../../app/lib/store/replayCache';
import { createMemoryRevocationList } from '../../service/sessions/memory-revocation';
import type { Storage } from '../../app/lib/store/records';

/** Only what ReplayCache uses, indexed by association so 15,000 claims take milliseconds. */
function indexedStorage() {
  const byAssociation = new Map<string, Map<number, object>>();
  let next = 0;
  const id = (a: { id: string }) => a.id;
  const store = {
    async readByAssociation(a: { id: string }) {
      return [...(byAssociation.get(id(a))?.values() ?? [])];
    },
    async createWithAssociations(data: object, list: Array<{ id: string }>) {
      next += 1;
      for (const a of list) {
        if (!byAssociation.has(id(a))) byAssociation.set(id(a), new Map());
        byAssociation.get(id(a))!.set(next, { ...data });
      }
      return String(next);
    },
    async removeByAssociations(list: Array<{ id: string }>) {
      const sets = list.map((a) => byAssociation.get(id(a)) ?? new Map<number, object>());
      const ids = [...sets[0]!.keys()].filter((key) => sets.every((set) => set.has(key)));
      for (const key of ids) for (const set of byAssociation.values()) set.delete(key);
      return [];
    },
  };
  return { storage: { read: store, write: store } as unknown as Storage, size: () => byAssociation.get('iframe-auth:jti:all')?.size ?? 0 };
}

const LIFETIME = 60 + 30; // exp (max lifetime) + clock skew: how long a jti must be kept

test('replay cache: 1,500 logins a minute for 10 minutes keeps only the jti that can still pass (no backlog)', async () => {
  const { storage, size } = indexedStorage();
  const cache = new ReplayCache();
  const perMinute = 1500;
  const start = 1_800_000_000;
  const sizes: number[] = [];
  for (let minute = 0; minute < 10; minute += 1) {
    for (let i = 0; i < perMinute; i += 1) {
      const now = start + minute * 60 + Math.floor((i * 60) / perMinute);
      expect(await cache.claim(storage, 'iss', `jti-${minute}-${i}`, now + LIFETIME, now)).toBe(true);
    }
    sizes.push(size());
  }
  console.log(`replay cache sizes per minute at ${perMinute}/min: ${sizes.join(', ')}`);
  // At most the jti of the last LIFETIME seconds plus one prune interval can be alive.
  const bound = Math.ceil(perMinute * ((LIFETIME + 60) / 60)) + perMinute;
  expect(Math.max(...sizes)).toBeLessThanOrEqual(bound);
  // And it does not keep growing: the last minutes hold no more than the early ones.
  expect(sizes[9]!).toBeLessThanOrEqual(Math.max(sizes[3]!, sizes[4]!) + perMinute / 10);
  // Replays are still refused after all that pruning.
  expect(await cache.claim(storage, 'iss', 'jti-9-1499', start + 700, start + 600)).toBe(false);
});

test('memory revocation list: 5,000 logouts against a cap of 1,000 hold at most 1,000 ids, forget none, and are all gone after expiry', async () => {
  let now = 1_800_000_000;
  const list = createMemoryRevocationList({ maxEntries: 1000, now: () => now });
  // 50 users, 100 logouts each: past the cap, each user's further logouts end their older sessions (one entry per user).
  const stamp = (i: number) => ({ sub: `user-${i % 50}`, iat: now - 5000 + i });
  for (let i = 0; i < 5000; i += 1) await list.revoke(`sid-${i}`, now + 3600 + i, stamp(i));
  let byId = 0;
  let revoked = 0;
  for (let i = 0; i < 5000; i += 1) {
    if (await list.isRevoked(`sid-${i}`)) byId += 1;
    if (await list.isRevoked(`sid-${i}`, stamp(i))) revoked += 1;
  }
  expect(byId).toBe(1000);
  // Every logout still holds: the first ones (the ones an eviction would have dropped) too.
  expect(revoked).toBe(5000);
  expect(await list.isRevoked('sid-0')).toBe(true);
  // Expired entries go, so after the sessions' lifetime nothing is held and there is room again.
  now += 3600 + 5001;
  await list.revoke('sid-new', now + 10);
  revoked = 0;
  for (let i = 0; i < 5000; i += 1) if (await list.isRevoked(`sid-${i}`, stamp(i))) revoked += 1;
  expect(revoked).toBe(0);
  for (let i = 0; i < 999; i += 1) await list.revoke(`later-${i}`, now + 3600);
  expect(await list.isRevoked('later-998')).toBe(true);
});
