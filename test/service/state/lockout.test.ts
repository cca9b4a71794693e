/**
 * The per-account lockout, the same tests over both state stores: this process's memory, and
 * MongoDB (wire-level) where two replicas' Lockouts share one database and meet one threshold.
 */
import { Lockout, type LockoutEntry } from '../../../service/flow/lockout';
import { memoryRecords } from '../../../service/state/memory';
import { createMongoState, STATE_COLLECTION } from '../../../service/state/mongo';
import type { Records } from '../../../service/state/types';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

let wire: WireHarness;
beforeAll(async () => {
  wire = await startWireHarness('bridge');
});
afterAll(() => wire.close());

type Stores = () => Records<LockoutEntry>;
const stores: Array<[string, Stores]> = [
  ['in memory', () => memoryRecords<LockoutEntry>(50_000)],
  [`in MongoDB — ${WIRE_LEVEL}`, () => createMongoState(wire.db).records<LockoutEntry>('lockout', { maxEntries: 50_000 })],
];

describe.each(stores)('lockout, %s', (_name, records) => {
  // Whole seconds since the epoch, moved by hand; the records' own expiry follows the real clock, so `now` starts there.
  let now: number;
  let store: Records<LockoutEntry>;
  beforeEach(() => {
    now = Math.floor(Date.now() / 1000);
    wire.fake.collections.clear();
    store = records();
  });
  const lockout = (threshold: number, maxSeconds = 25) => new Lockout(store, { threshold, baseSeconds: 10, maxSeconds, now: () => now });
  const fail = async (l: Lockout, login: string) => (await l.claim(login))?.end('failed');

  test('locks after the threshold, doubles, caps, and always expires', async () => {
    const l = lockout(3);
    await fail(l, 'Alice');
    await fail(l, 'alice');
    expect(await l.retryAfter('ALICE')).toBe(0);
    await fail(l, 'alice');
    expect(await l.retryAfter('alice')).toBe(10);
    expect(await l.claim('alice')).toBeUndefined();
    now += 10;
    expect(await l.retryAfter('alice')).toBe(0);
    await fail(l, 'alice');
    expect(await l.retryAfter('alice')).toBe(20);
    now += 20;
    await fail(l, 'alice');
    expect(await l.retryAfter('alice')).toBe(25);
    now += 26;
    // A success forgives: the full threshold again.
    await (await l.claim('alice'))?.end('passed');
    await fail(l, 'alice');
    expect(await l.retryAfter('alice')).toBe(0);
    expect(await l.retryAfter('bob')).toBe(0);
  });

  test('checks under way count as failures to come: at most the threshold at once, one at a time after a lock', async () => {
    const l = lockout(3);
    await fail(l, 'alice');
    const running = [await l.begin('Alice'), await l.begin(' ALICE')];
    expect(running.every((check) => typeof check === 'object')).toBe(true);
    // One failure and two checks under way: a fourth check could outrun the lock.
    expect(await l.begin('alice')).toBe('busy');
    expect(typeof (await l.begin('bob'))).toBe('object');
    // A check that said nothing about the password frees its place, once.
    const [first, second] = running as Array<Exclude<(typeof running)[number], string>>;
    await first.end('unknown');
    await first.end('failed');
    const again = await l.begin('alice');
    expect(typeof again).toBe('object');
    expect(await l.begin('alice')).toBe('busy');
    for (const check of [second, again]) if (typeof check === 'object') await check.end('failed');
    expect(await l.retryAfter('alice')).toBe(10);
    expect(await l.begin('alice')).toBe('locked');
    now += 10;
    // The lock has expired: one check at a time, each failure locks again for longer.
    const after = await l.begin('alice');
    expect(await l.begin('alice')).toBe('busy');
    if (typeof after === 'object') await after.end('failed');
    expect(await l.retryAfter('alice')).toBe(20);
  });

  test('claim waits for a place instead of refusing; a lock refuses every waiter at once', async () => {
    const l = lockout(2);
    const held = [await l.claim('alice'), await l.claim('alice')];
    let answered = 0;
    const waiting = l.claim('alice').then((check) => ((answered += 1), check));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(0);
    // A check answers without a failure: its place goes to the waiter.
    await held[0]?.end('unknown');
    const third = await waiting;
    expect(third).toBeDefined();
    const refused = Promise.all([l.claim('alice'), l.claim('Alice'), l.claim(' ALICE')]);
    await held[1]?.end('failed');
    await third?.end('failed');
    expect(await refused).toEqual([undefined, undefined, undefined]);
  });

  test('a place held by a check that never ends (its replica died) is freed after a minute', async () => {
    const l = lockout(1);
    expect(await l.claim('alice')).toBeDefined();
    expect(await l.begin('alice')).toBe('busy');
    now += 61;
    expect(typeof (await l.begin('alice'))).toBe('object');
  });

  test('a long quiet spell forgives old failures', async () => {
    const l = lockout(2, 10);
    await fail(l, 'a');
    now += 100;
    await fail(l, 'a');
    expect(await l.retryAfter('a')).toBe(0);
    await fail(l, 'a');
    expect(await l.retryAfter('a')).toBe(10);
  });
});

describe(`lockout shared by two replicas through MongoDB — ${WIRE_LEVEL}`, () => {
  beforeEach(() => wire.fake.collections.clear());
  const replica = () => new Lockout(createMongoState(wire.db).records<LockoutEntry>('lockout', { maxEntries: 50_000 }), { threshold: 4, baseSeconds: 30, maxSeconds: 900 });

  test('failures on either replica count toward one threshold; the lock holds on both', async () => {
    const [a, b] = [replica(), replica()];
    for (const l of [a, b, a, b]) await (await l.claim('alice'))?.end('failed');
    expect(await a.retryAfter('alice')).toBe(30);
    expect(await b.retryAfter('Alice')).toBe(30);
    expect(await a.claim('alice')).toBeUndefined();
    expect(await b.claim('alice')).toBeUndefined();
  });

  test('a burst of parallel guesses over both replicas: never more checks at once than the threshold allows', async () => {
    const [a, b] = [replica(), replica()];
    const checks = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).begin('alice')));
    const granted = checks.filter((check) => typeof check === 'object');
    // Four places; a check that kept losing the race to write its claim is refused as busy (never let through).
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.length).toBeLessThanOrEqual(4);
    expect(checks.filter((check) => check === 'busy')).toHaveLength(12 - granted.length);
    const stored = wire.fake.docs(STATE_COLLECTION)[0].value as LockoutEntry;
    expect(stored.claims).toHaveLength(granted.length);
  });

  test('the database holds hashed keys with an expiry, never the login, and a success removes the record', async () => {
    const l = replica();
    await (await l.claim('alice@example.com'))?.end('failed');
    const [doc] = wire.fake.docs(STATE_COLLECTION);
    expect(doc._id).toMatch(/^lockout:[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(doc)).not.toContain('alice');
    expect(doc.expiresAt).toBeInstanceOf(Date);
    await (await l.claim('alice@example.com'))?.end('passed');
    expect(wire.fake.docs(STATE_COLLECTION)).toHaveLength(0);
  });
});
