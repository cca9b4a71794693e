import { createMongoRevocationList } from '../../../service/sessions/mongo-revocation';
import type { SharedRevocationList } from '../../../service/sessions/types';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

const now = () => Math.floor(Date.now() / 1000);

describe(`MongoDB session revocation list — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let list: SharedRevocationList;

  beforeEach(async () => {
    h = await startWireHarness('bridge');
    list = createMongoRevocationList(h.db);
  });
  afterEach(() => h.close());

  test('a TTL index on the expiry keeps the collection bounded; the mirrors\' polls have an index on the stamp', async () => {
    await list.isRevoked('s1');
    await list.revoke('s1', now() + 60);
    const creates = h.sent('iframe_bridge_revoked', 'createIndexes');
    expect(creates).toHaveLength(1);
    expect(creates[0].body.indexes).toEqual([
      { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
      { key: { changedAt: 1 }, name: 'changedAt', sparse: true },
    ]);
  });

  test('revoke upserts {_id: sid, expiresAt} with $max; the session is then revoked', async () => {
    const until = now() + 3600;
    expect(await list.isRevoked('s1')).toBe(false);
    await list.revoke('s1', until);
    const [update] = h.updates('iframe_bridge_revoked');
    expect(update.q).toEqual({ _id: 's1' });
    expect(update.u).toEqual({ $max: { expiresAt: new Date(until * 1000) }, $set: { changedAt: expect.any(Date) } });
    expect(update.upsert).toBe(true);
    expect(await list.isRevoked('s1')).toBe(true);
    expect(await list.isRevoked('s2')).toBe(false);
  });

  test('isRevoked asks only for a live entry (the TTL monitor lags by up to a minute)', async () => {
    await list.isRevoked('s1');
    const find = h.sent('iframe_bridge_revoked', 'find')[0];
    expect(Object.keys(find.body.filter)).toEqual(['_id', 'expiresAt']);
    expect(find.body.filter._id).toBe('s1');
    expect(find.body.filter.expiresAt.$gt).toBeInstanceOf(Date);
    await list.revoke('old', now() - 10);
    expect(await list.isRevoked('old')).toBe(false);
  });

  test('revoking twice is one entry and keeps the later expiry', async () => {
    // One clock reading: the test must not fail because a second ends between two of them.
    const at = now();
    await list.revoke('s1', at + 100);
    await list.revoke('s1', at + 50);
    expect(h.fake.docs('iframe_bridge_revoked')).toHaveLength(1);
    expect(h.fake.docs('iframe_bridge_revoked')[0].expiresAt.getTime()).toBe((at + 100) * 1000);
  });

  test('revokeSubject upserts {_id: "sub:<sub>"} with $max on before and expiresAt; sessions made before it end', async () => {
    const at = now();
    await list.revokeSubject('alice', at, at + 3600);
    const [update] = h.updates('iframe_bridge_revoked');
    expect(update.q).toEqual({ _id: 'sub:alice' });
    expect(update.u).toEqual({ $max: { before: new Date(at * 1000), expiresAt: new Date((at + 3600) * 1000) }, $set: { changedAt: expect.any(Date) } });
    expect(update.upsert).toBe(true);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: at - 1 })).toBe(true);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: at })).toBe(false);
    expect(await list.isRevoked('s1', { sub: 'bob', iat: at - 1 })).toBe(false);
    await list.revokeSubject('alice', at - 100, at + 10);
    expect(h.fake.docs('iframe_bridge_revoked')).toHaveLength(1);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: at - 1 })).toBe(true);
  });

  test('a Rocket.Chat logout adds rocketChatBefore ($max) to the subject entry; rocketChatLogoutAt reads it, live only', async () => {
    const at = now();
    await list.revokeSubject('alice', at, at + 3600);
    expect(await list.rocketChatLogoutAt('alice')).toBeUndefined();
    await list.revokeSubject('alice', at + 1, at + 3600, { rocketChatLogout: true });
    const update = h.updates('iframe_bridge_revoked').at(-1)!;
    expect(update.q).toEqual({ _id: 'sub:alice' });
    expect(update.u).toEqual({
      $max: { before: new Date((at + 1) * 1000), expiresAt: new Date((at + 3600) * 1000), rocketChatBefore: new Date((at + 1) * 1000) },
      $set: { changedAt: expect.any(Date) },
    });
    expect(await list.rocketChatLogoutAt('alice')).toBe(at + 1);
    const find = h.sent('iframe_bridge_revoked', 'find').at(-1)!;
    expect(find.body.filter._id).toBe('sub:alice');
    expect(find.body.filter.rocketChatBefore).toEqual({ $exists: true });
    expect(find.body.filter.expiresAt.$gt).toBeInstanceOf(Date);
    expect(find.body.projection).toEqual({ _id: 0, rocketChatBefore: 1 });
    expect(await list.rocketChatLogoutAt('bob')).toBeUndefined();
    // A later logout from the site moves `before` only; the mark stays, in the one entry.
    await list.revokeSubject('alice', at + 5, at + 3600);
    expect(await list.rocketChatLogoutAt('alice')).toBe(at + 1);
    expect(h.fake.docs('iframe_bridge_revoked')).toHaveLength(1);
    // An entry past its expiry (the TTL monitor not yet run) is no mark.
    await list.revokeSubject('carol', at - 100, at - 10, { rocketChatLogout: true });
    expect(await list.rocketChatLogoutAt('carol')).toBeUndefined();
  });

  test('with a session stamp, one query asks for the id or a newer subject entry, live only', async () => {
    await list.isRevoked('s1', { sub: 'alice', iat: 1000 });
    const find = h.sent('iframe_bridge_revoked', 'find')[0];
    expect(find.body.filter.$or).toEqual([{ _id: 's1' }, { _id: 'sub:alice', before: { $gt: new Date(1000 * 1000) } }]);
    expect(find.body.filter.expiresAt.$gt).toBeInstanceOf(Date);
    await list.revoke('s1', now() + 60);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 1000 })).toBe(true);
  });

  test('changes: every live session and subject entry, or those stamped after a time; never single-use ids', async () => {
    const at = now();
    await list.revoke('s1', at + 60);
    await list.revokeSubject('alice', at, at + 60);
    await list.firstUse('j1', at + 60);
    await list.revoke('gone', at - 5);
    expect(await list.changes()).toEqual([
      { kind: 'session', key: 's1', untilMs: (at + 60) * 1000 },
      { kind: 'subject', key: 'alice', untilMs: (at + 60) * 1000, beforeMs: at * 1000 },
    ]);
    const stamped = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await list.changes(stamped)).toEqual([]);
    await list.revoke('s2', at + 60);
    expect(await list.changes(stamped)).toEqual([{ kind: 'session', key: 's2', untilMs: (at + 60) * 1000 }]);
    const find = h.sent('iframe_bridge_revoked', 'find').at(-1)!;
    expect(find.body.filter.changedAt).toEqual({ $gt: new Date(stamped) });
    expect(find.body.filter.expiresAt.$gt).toBeInstanceOf(Date);
    expect(find.body.projection).toEqual({ _id: 1, expiresAt: 1, before: 1 });
  });

  test('firstUse inserts {_id: "jti:<id>", expiresAt}: the unique _id refuses a second use, on any replica', async () => {
    const other = createMongoRevocationList(h.db);
    const until = now() + 60;
    expect(await list.firstUse('j1', until)).toBe(true);
    expect(await other.firstUse('j1', until)).toBe(false);
    expect(await list.firstUse('j2', until)).toBe(true);
    const inserts = h.sent('iframe_bridge_revoked', 'insert');
    expect(inserts[0].body.documents).toEqual([{ _id: 'jti:j1', expiresAt: new Date(until * 1000) }]);
  });

  test('firstUse passes on errors other than a duplicate key (fail closed)', async () => {
    await list.isRevoked('s1');
    h.server.handle((command) => (command.name === 'insert' ? { ok: 0, code: 8000, errmsg: 'boom' } : h.fake.handler(command)));
    await expect(list.firstUse('j1', now() + 60)).rejects.toThrow();
  });

  test('a database that does not answer is an error for the caller to fail closed on, never "not revoked"', async () => {
    await list.isRevoked('s1');
    h.server.handle((command) => {
      h.server.dropConnections();
      return h.fake.handler(command);
    });
    await expect(list.isRevoked('s1')).rejects.toThrow();
  });
});
