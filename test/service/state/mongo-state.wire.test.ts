/**
 * The MongoDB state store at the wire: what it sends, and that two replicas (two stores over one
 * database) see one another's records, counters and pending logins.
 */
import { PendingLogins, type SealedLogin } from '../../../service/modes/password/pending-logins';
import { createMongoState, STATE_COLLECTION } from '../../../service/state/mongo';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

const SECRET = 'XsJ3woDG2ptrPtHKPk/12hCFiq0/nKDjidkIjolBD6U=';

describe(`MongoDB state shared by replicas — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  beforeEach(async () => {
    h = await startWireHarness('bridge');
  });
  afterEach(() => h.close());

  test('one TTL index on the expiry keeps the collection bounded', async () => {
    const state = createMongoState(h.db);
    await state.records<{ n: number }>('kind', { maxEntries: 1 }).get('k');
    await state.counters('hits', { maxKeys: 1 }).hit('k', 60_000);
    const creates = h.sent(STATE_COLLECTION, 'createIndexes');
    expect(creates).toHaveLength(1);
    expect(creates[0].body.indexes).toEqual([{ key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 }]);
  });

  test('counters: one $inc per hit, counted across replicas in the same aligned window', async () => {
    const [a, b] = [createMongoState(h.db).counters('mints', { maxKeys: 1 }), createMongoState(h.db).counters('mints', { maxKeys: 1 })];
    const counts = [];
    for (const replica of [a, b, a, b, b]) counts.push((await replica.hit('203.0.113.7', 60_000)).count);
    expect(counts).toEqual([1, 2, 3, 4, 5]);
    expect((await a.hit('203.0.113.8', 60_000)).count).toBe(1);
    const { resetAt } = await b.hit('203.0.113.7', 60_000);
    expect(resetAt % 60_000).toBe(0);
    const [modify] = h.sent(STATE_COLLECTION, 'findAndModify');
    expect(modify.body.update).toEqual({ $inc: { n: 1 }, $setOnInsert: { expiresAt: new Date(resetAt) } });
    expect(modify.body.upsert).toBe(true);
  });

  test('records: an update reads and writes under a version; a stale write loses and is applied again', async () => {
    const records = createMongoState(h.db).records<{ n: number }>('count', { maxEntries: 1 });
    const add = (key: string) => records.update(key, (current) => ({ next: { n: (current?.n ?? 0) + 1 }, expiresAt: Date.now() + 60_000, result: (current?.n ?? 0) + 1 }));
    // Ten at once: every one lands, none overwrites another's.
    const results = await Promise.all(Array.from({ length: 10 }, () => add('k')));
    expect(results.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await records.get('k')).toEqual({ n: 10 });
    const versioned = h.updates(STATE_COLLECTION).filter((update) => update.q.v !== undefined);
    expect(versioned.length).toBeGreaterThan(0);
  });

  test('a record past its expiry reads as absent even before the TTL monitor removes it', async () => {
    const records = createMongoState(h.db).records<{ n: number }>('short', { maxEntries: 1 });
    await records.put('k', { n: 1 }, Date.now() - 1);
    expect(await records.get('k')).toBeUndefined();
    expect(await records.take('k')).toBeUndefined();
  });

  test('a two-factor login put by one replica is taken by another, once; the database holds no password', async () => {
    const replica = () => new PendingLogins(createMongoState(h.db).records<SealedLogin>('pending-login', { maxEntries: 1 }), SECRET);
    const [a, b, c] = [replica(), replica(), replica()];
    const id = await a.put({ login: 'alice', password: 'hunter2-very-secret', method: 'totp', attempts: 0, lockKey: 'alice' }, 'csrf-1');
    expect(JSON.stringify(h.fake.docs(STATE_COLLECTION))).not.toContain('hunter2');
    expect((await b.peek(id, 'csrf-1'))?.lockKey).toBe('alice');
    const [first, second] = await Promise.all([b.take(id, 'csrf-1'), c.take(id, 'csrf-1')]);
    expect([first?.password, second?.password].filter(Boolean)).toEqual(['hunter2-very-secret']);
    expect(h.fake.docs(STATE_COLLECTION)).toHaveLength(0);
  });
});
