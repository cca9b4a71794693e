import { createMongoRevocationList } from '../../../service/sessions/mongo-revocation';
import type { RevocationList } from '../../../service/sessions/types';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';

const now = () => Math.floor(Date.now() / 1000);

describe(`MongoDB session revocation list — ${WIRE_LEVEL}`, () => {
  let h: WireHarness;
  let list: RevocationList;

  beforeEach(async () => {
    h = await startWireHarness('bridge');
    list = createMongoRevocationList(h.db);
  });
  afterEach(() => h.close());

  test('a TTL index on the expiry keeps the collection bounded', async () => {
    await list.isRevoked('s1');
    await list.revoke('s1', now() + 60);
    const creates = h.sent('iframe_bridge_revoked', 'createIndexes');
    expect(creates).toHaveLength(1);
    expect(creates[0].body.indexes).toEqual([{ key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 }]);
  });

  test('revoke upserts {_id: sid, expiresAt} with $max; the session is then revoked', async () => {
    const until = now() + 3600;
    expect(await list.isRevoked('s1')).toBe(false);
    await list.revoke('s1', until);
    const [update] = h.updates('iframe_bridge_revoked');
    expect(update.q).toEqual({ _id: 's1' });
    expect(update.u).toEqual({ $max: { expiresAt: new Date(until * 1000) } });
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
    await list.revoke('s1', now() + 100);
    await list.revoke('s1', now() + 50);
    expect(h.fake.docs('iframe_bridge_revoked')).toHaveLength(1);
    expect(h.fake.docs('iframe_bridge_revoked')[0].expiresAt.getTime()).toBe((now() + 100) * 1000);
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
