/**
 * The shared revocation list mirrored in each replica's memory (service/sessions/revocation-mirror.ts):
 * what one replica writes reaches the others within the bound, the API URL's fast path sends
 * MongoDB nothing, and a mirror that cannot sync refuses sessions instead of trusting old news.
 * Two "replicas" here are two mirrors, each with its own driver connection to one database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db, MongoClient } from 'mongodb';
import { createDependencies } from '../../../service/dependencies';
import { loadConfig } from '../../../service/config';
import { connectMongo } from '../../../service/mongo';
import { createMongoRevocationList, REVOKED_COLLECTION } from '../../../service/sessions/mongo-revocation';
import {
  createRevocationMirror,
  MIRROR_INTERVAL_MS,
  MIRROR_STALE_AFTER_MS,
  RevocationMirrorStaleError,
  type MirrorOptions,
  type RevocationMirror,
} from '../../../service/sessions/revocation-mirror';
import { createMongoUserStore } from '../../../service/users/mongo-store';
import { startAppStandIn } from '../../../devstack/app-stand-in';
import { baseEnv, cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, SECRET, seedUsers, startHarness } from '../support/harness';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

const now = () => Math.floor(Date.now() / 1000);

/** Polls `probe` until true, at most `withinMs`; answers how long it took. */
async function within(withinMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await sleep(10);
  }
}

describe(`revocation list mirrored in memory — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let other: { client: MongoClient; db: Db };
  const mirrors: RevocationMirror[] = [];

  /** A replica's mirror, on its own connection (`other`) or the harness's. */
  async function replica(db: Db, options: MirrorOptions = {}): Promise<RevocationMirror> {
    const mirror = createRevocationMirror(createMongoRevocationList(db), options);
    mirrors.push(mirror);
    await mirror.start();
    return mirror;
  }

  beforeEach(async () => {
    h = await startWireHarness('bridge');
    other = await connectMongo(h.server.url('bridge'));
  });
  afterEach(async () => {
    h.server.resume();
    await Promise.all(mirrors.splice(0).map((mirror) => mirror.close()));
    await other.client.close();
    await h.close();
  });

  test('a logout written through replica A is refused by replica B within the bound, by id and by user', async () => {
    const a = await replica(h.db);
    const b = await replica(other.db);
    const at = now();
    expect(await b.isRevoked('s1')).toBe(false);
    await a.revoke('s1', at + 3600);
    // A's own mirror has it at once; B's from its next poll.
    expect(await a.isRevoked('s1')).toBe(true);
    const byId = await within(MIRROR_STALE_AFTER_MS, () => b.isRevoked('s1'));
    await a.revokeSubject('alice', at, at + 3600);
    const byUser = await within(MIRROR_STALE_AFTER_MS, () => b.isRevoked('s2', { sub: 'alice', iat: at - 1 }));
    console.log(`replica B refused the session ${byId} ms after A's logout, the user's sessions ${byUser} ms after A's back-channel logout (poll every ${MIRROR_INTERVAL_MS} ms)`);
    expect(await b.isRevoked('s2', { sub: 'alice', iat: at })).toBe(false);
    expect(await b.isRevoked('s2', { sub: 'bob', iat: at - 1 })).toBe(false);
  });

  test('isRevoked asks MongoDB nothing: only the polls reach it, one per interval, not one per call', async () => {
    const mirror = await replica(h.db);
    await mirror.revoke('s1', now() + 3600);
    const before = h.sent(REVOKED_COLLECTION, 'find').length;
    const started = Date.now();
    for (let i = 0; i < 2000; i += 1) expect(await mirror.isRevoked(i % 2 === 0 ? 's1' : `other-${i}`, { sub: 'alice', iat: now() })).toBe(i % 2 === 0);
    const finds = h.sent(REVOKED_COLLECTION, 'find').slice(before);
    const elapsed = Date.now() - started;
    // Each of them a poll (what changed since a time), none a lookup of a session.
    for (const find of finds) expect(Object.keys(find.body.filter)).toEqual(['changedAt', 'expiresAt']);
    expect(finds.length).toBeLessThanOrEqual(Math.ceil(elapsed / MIRROR_INTERVAL_MS) + 1);
  });

  test('a mirror that cannot sync (the server stops answering) refuses at once once stale, and recovers when it answers', async () => {
    const mirror = await replica(h.db);
    h.server.pause();
    const paused = Date.now();
    const ms = await within(MIRROR_STALE_AFTER_MS + 2 * MIRROR_INTERVAL_MS, () =>
      mirror.isRevoked('s1').then(
        () => false,
        (error: unknown) => error instanceof RevocationMirrorStaleError,
      ),
    );
    console.log(`mirror refused ${ms} ms after the server stopped answering`);
    expect(ms).toBeGreaterThanOrEqual(MIRROR_STALE_AFTER_MS - MIRROR_INTERVAL_MS);
    // Refusing never waits on the database.
    const started = Date.now();
    await expect(mirror.isRevoked('s1')).rejects.toThrow(/not synced for \d+ ms/);
    expect(Date.now() - started).toBeLessThan(50);
    await expect(mirror.ready()).rejects.toThrow();
    expect(Date.now() - paused).toBeLessThan(30_000);
    h.server.resume();
    await within(10_000, () => mirror.isRevoked('s1').then(() => true, () => false));
  }, 40_000);

  test('expired entries leave memory at the full reload, as they leave MongoDB', async () => {
    let clock = Date.now();
    const mirror = await replica(h.db, { now: () => clock, fullReloadMs: 1_000, intervalMs: 20 });
    await mirror.revoke('short', now() + 2);
    await mirror.revokeSubject('alice', now(), now() + 2);
    await mirror.revoke('long', now() + 3600);
    expect(mirror.size).toBe(3);
    // Past the short entries' expiry on this replica's clock, and past a full reload.
    clock += 5_000;
    await within(2_000, async () => mirror.size === 1);
    expect(await mirror.isRevoked('long')).toBe(true);
    expect(await mirror.isRevoked('short')).toBe(false);
  });

  test('entries read again in the overlap window are held once, with the later bounds', async () => {
    const a = await replica(h.db, { intervalMs: 20 });
    const b = await replica(other.db, { intervalMs: 20 });
    const at = now();
    await a.revoke('s1', at + 60);
    await a.revokeSubject('alice', at - 10, at + 60);
    await a.revokeSubject('alice', at, at + 120);
    await within(2_000, async () => b.size === 2);
    // Every poll re-reads the last 10 s: many polls later, still one entry each.
    await sleep(300);
    expect(b.size).toBe(2);
    expect(await b.isRevoked('x', { sub: 'alice', iat: at - 1 })).toBe(true);
    expect(await b.isRevoked('x', { sub: 'alice', iat: at })).toBe(false);
  });

  test('a write stamped by a replica whose clock is behind (or that committed late) is still picked up', async () => {
    const b = await replica(other.db, { intervalMs: 20 });
    await sleep(100);
    // As if written 5 s ago by the writer's clock, after B's polls had already passed that time.
    h.fake.docs(REVOKED_COLLECTION).push({ _id: 'late', expiresAt: new Date((now() + 60) * 1000), changedAt: new Date(Date.now() - 5_000) });
    await within(1_000, () => b.isRevoked('late'));
  });
});

describe(`the API URL with MONGODB_URL set, replicas sharing MongoDB — ${WIRE_LEVEL}`, () => {
  test('N fast-path API URL calls send MongoDB no lookup; a logout on replica A ends the session on replica B within the bound', async () => {
    const wire = await startWireHarness();
    await seedUsers(createMongoUserStore(wire.db));
    const standIn = await startAppStandIn({ key: new TextEncoder().encode(SECRET), issuer: PUBLIC_ORIGIN, audience: RC_ORIGIN });
    const env = { MONGODB_URL: wire.server.url('rocketchat'), APP_LOGIN_URL: `${standIn.url}login`, API_RATE_LIMIT_PER_MINUTE: '0' };
    // Two replicas, each with its own connection and mirror, as two companion processes would have.
    const [depsA, depsB] = await Promise.all([1, 2].map(() => createDependencies(loadConfig(baseEnv(env) as NodeJS.ProcessEnv))));
    const a = await startHarness({ env, standIn, deps: depsA });
    const b = await startHarness({ env, standIn, deps: depsB });
    try {
      const jar = cookieJar();
      const done = await login(a.app, jar, 'alice', PASSWORD);
      expect(done.statusCode).toBe(200);
      const call = (replica: typeof a) => replica.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      // The first call on B reads the user once (the standing cache, 30 s); the fast path from then on.
      expect((await call(b)).statusCode).toBe(200);
      const before = wire.server.commands.length;
      const started = Date.now();
      const n = 300;
      for (let i = 0; i < n; i += 1) expect((await call(i % 2 === 0 ? a : b)).statusCode).toBe(200);
      const elapsed = Date.now() - started;
      const during = wire.server.commands.slice(before);
      const polls = during.filter((c) => c.name === 'find' && c.body.find === REVOKED_COLLECTION && 'changedAt' in c.body.filter);
      console.log(`${n} API URL calls in ${elapsed} ms: ${during.length} MongoDB commands, all of them the two mirrors' polls (${polls.length})`);
      // Nothing but the polls: no lookup of a session, a user or a token. (Injected requests never
      // wait on I/O, so the polls' timers may not even fire during the loop: zero is common.)
      expect(during.filter((c) => !polls.includes(c))).toEqual([]);
      expect(polls.length).toBeLessThanOrEqual(2 * (Math.ceil(elapsed / MIRROR_INTERVAL_MS) + 1));
      expect(polls.length).toBeLessThan(n / 2);

      const loggingOut = Date.now();
      const logout = await a.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(done.body) } });
      expect(logout.statusCode).toBe(200);
      await within(MIRROR_STALE_AFTER_MS, async () => (await call(b)).statusCode === 401);
      const ms = Date.now() - loggingOut;
      expect(ms).toBeLessThan(MIRROR_STALE_AFTER_MS);
      console.log(`replica B answered 401 ${ms} ms after the logout on replica A began`);
    } finally {
      await a.close();
      await b.close();
      await Promise.all([depsA.close(), depsB.close()]);
      await standIn.close();
      await wire.close();
    }
  }, 30_000);
});
