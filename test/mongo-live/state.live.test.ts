/** The shared state (lockout, counters, pending two-factor logins) against a real MongoDB, two replicas' stores over one database. */
import { Lockout, type LockoutEntry } from '../../service/flow/lockout';
import { PendingLogins, type SealedLogin } from '../../service/modes/password/pending-logins';
import { createMongoState, STATE_COLLECTION } from '../../service/state/mongo';
import { liveName, liveTest, scratchDatabase, type Scratch } from './live';

const SECRET = 'XsJ3woDG2ptrPtHKPk/12hCFiq0/nKDjidkIjolBD6U=';

describe(liveName('MongoDB shared state'), () => {
  let scratch: Scratch;
  beforeEach(async () => {
    if (process.env.MONGODB_URL) scratch = await scratchDatabase();
  });
  afterEach(async () => {
    if (scratch) await scratch.drop();
  });

  liveTest('lockout: a burst over two replicas never holds more checks than the threshold; failures on both lock both', async () => {
    const replica = () => new Lockout(createMongoState(scratch.db).records<LockoutEntry>('lockout', { maxEntries: 1 }), { threshold: 3, baseSeconds: 30, maxSeconds: 900 });
    const [a, b] = [replica(), replica()];
    const checks = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).begin('alice')));
    const granted = checks.filter((check) => typeof check === 'object');
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.length).toBeLessThanOrEqual(3);
    for (const check of granted) if (typeof check === 'object') await check.end('failed');
    for (let i = granted.length; i < 3; i += 1) await (await (i % 2 ? a : b).claim('alice'))?.end('failed');
    expect(await a.retryAfter('alice')).toBe(30);
    expect(await b.claim('ALICE')).toBeUndefined();
    const indexes = await scratch.db.collection(STATE_COLLECTION).indexes();
    expect(indexes.find((index) => index.name === 'expiresAt_ttl')?.expireAfterSeconds).toBe(0);
  });

  liveTest('counters: concurrent hits on two replicas are each counted once', async () => {
    const [a, b] = [createMongoState(scratch.db).counters('mints', { maxKeys: 1 }), createMongoState(scratch.db).counters('mints', { maxKeys: 1 })];
    const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hit('203.0.113.7', 60_000)));
    expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  liveTest('a pending two-factor login put on one replica is taken once on another; nothing in clear', async () => {
    const replica = () => new PendingLogins(createMongoState(scratch.db).records<SealedLogin>('pending-login', { maxEntries: 1 }), SECRET);
    const [a, b, c] = [replica(), replica(), replica()];
    const id = await a.put({ login: 'alice', password: 'hunter2-very-secret', method: 'totp', attempts: 0 }, 'csrf-1');
    const stored = await scratch.db.collection(STATE_COLLECTION).find().toArray();
    expect(JSON.stringify(stored)).not.toContain('hunter2');
    const taken = await Promise.all([b.take(id, 'csrf-1'), c.take(id, 'csrf-1')]);
    expect(taken.filter(Boolean).map((entry) => entry?.password)).toEqual(['hunter2-very-secret']);
  });
});
