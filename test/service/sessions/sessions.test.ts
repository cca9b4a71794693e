import { createSessionCodec } from '../../../service/sessions/cookie-codec';
import { createMemoryRevocationList, RevocationListFullError } from '../../../service/sessions/memory-revocation';

const user = { sub: 's', username: 'u', email: 'u@example.com', email_verified: true, name: 'U' };

describe('session cookie codec', () => {
  test('round-trips, is opaque, and refuses other keys, tampering and expiry', async () => {
    const codec = createSessionCodec('x'.repeat(32));
    const now = Math.floor(Date.now() / 1000);
    const session = { sid: 'sid1', user, credential: { loginToken: 'secret-token' }, iat: now, exp: now + 60 };
    const value = await codec.encode(session);
    expect(value).not.toContain('secret-token');
    expect(Buffer.from(value.split('.')[3], 'base64url').toString('latin1')).not.toContain('secret-token');
    expect(await codec.decode(value)).toMatchObject(session);
    expect(await createSessionCodec('y'.repeat(32)).decode(value)).toBeUndefined();
    expect(await codec.decode(`${value}x`)).toBeUndefined();
    expect(await codec.decode(await codec.encode({ ...session, iat: now - 120, exp: now - 60 }))).toBeUndefined();
  });
});

describe('session cookie codec: decoded sessions kept by cookie value', () => {
  test('a cached session is frozen, still expires, and a tampered copy of a cached cookie is refused', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const codec = createSessionCodec('x'.repeat(32));
      const now = Math.floor(Date.now() / 1000);
      const value = await codec.encode({ sid: 'sid2', user, iat: now, exp: now + 60 });
      const first = await codec.decode(value);
      expect(await codec.decode(value)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(await codec.decode(value.slice(0, -2) + (value.endsWith('AA') ? 'AB' : 'AA'))).toBeUndefined();
      jest.setSystemTime(Date.now() + 61_000);
      expect(await codec.decode(value)).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('memory revocation list', () => {
  test('revoked until the session would have expired, then forgotten', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 3, now: () => now });
    await list.revoke('a', 1100);
    expect(await list.isRevoked('a')).toBe(true);
    expect(await list.isRevoked('b')).toBe(false);
    await list.revoke('past', 900);
    expect(await list.isRevoked('past')).toBe(false);
    now = 1100;
    expect(await list.isRevoked('a')).toBe(false);
  });

  test('full: a new session id is refused (503), never made room for by forgetting an earlier logout', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 3, now: () => now });
    // The review's case: a victim's logout ends sooner than the attacker's fresh sessions do.
    await list.revoke('victim', now + 7 * 3600);
    await list.revoke('attacker-1', now + 8 * 3600);
    await list.revoke('attacker-2', now + 8 * 3600);
    const refused = list.revoke('attacker-3', now + 8 * 3600);
    await expect(refused).rejects.toBeInstanceOf(RevocationListFullError);
    await expect(refused).rejects.toMatchObject({ statusCode: 503, code: 'REVOCATION_LIST_FULL' });
    expect(await list.isRevoked('victim')).toBe(true);
    expect(await list.isRevoked('attacker-1')).toBe(true);
    // Revoking a held id again is no new entry.
    await list.revoke('victim', now + 7 * 3600);
    // Once an entry expires, its room is free again.
    now += 7 * 3600;
    await list.revoke('attacker-3', now + 3600);
    expect(await list.isRevoked('attacker-3')).toBe(true);
    expect(await list.isRevoked('attacker-1')).toBe(true);
  });

  test('full: a logout that names its user ends every session of the user up to it instead, and later ones reuse that entry', async () => {
    const now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 2, now: () => now });
    await list.revoke('victim', now + 100, { sub: 'victim', iat: 900 });
    await list.revoke('mallory-1', now + 200, { sub: 'mallory', iat: 990 });
    for (let i = 2; i < 50; i += 1) await list.revoke(`mallory-${i}`, now + 200, { sub: 'mallory', iat: 990 + i });
    expect(await list.isRevoked('victim', { sub: 'victim', iat: 900 })).toBe(true);
    for (let i = 1; i < 50; i += 1) expect(await list.isRevoked(`mallory-${i}`, { sub: 'mallory', iat: 990 + i })).toBe(true);
    // The subject entry ends older sessions of the user, not ones started after the logout; nobody else's.
    expect(await list.isRevoked('mallory-new', { sub: 'mallory', iat: 1040 })).toBe(false);
    expect(await list.isRevoked('alice-1', { sub: 'alice', iat: 900 })).toBe(false);
    // It is no Rocket.Chat logout.
    expect(await list.rocketChatLogoutAt('mallory')).toBeUndefined();
    // One more subject does not fit: refused, and nothing held is forgotten.
    await list.revoke('carol-1', now + 300, { sub: 'carol', iat: 995 });
    await expect(list.revoke('dave-1', now + 300, { sub: 'dave', iat: 995 })).rejects.toBeInstanceOf(RevocationListFullError);
    expect(await list.isRevoked('victim')).toBe(true);
    expect(await list.isRevoked('mallory-7', { sub: 'mallory', iat: 997 })).toBe(true);
    expect(await list.isRevoked('carol-1', { sub: 'carol', iat: 995 })).toBe(true);
  });

  test('an entry whose expiry moved later is kept past the earlier expiry', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 2, now: () => now });
    await list.revokeSubject('alice', 1000, 1100);
    for (let i = 1; i <= 500; i += 1) await list.revokeSubject('alice', 1000 + i, 1100 + i);
    now = 1300;
    await list.revoke('other', 2000);
    expect(await list.isRevoked('s', { sub: 'alice', iat: 1499 })).toBe(true);
    now = 1600;
    await list.revoke('other-2', 2000);
    expect(await list.isRevoked('s', { sub: 'alice', iat: 1499 })).toBe(false);
  });

  test('an insert never scans or sorts the list: Map operations per insert stay constant from 1,000 to 20,000 entries', async () => {
    const big = (self: unknown) => (self instanceof Map || self instanceof Set ? self.size : Array.isArray(self) ? self.length : 0) >= 500;
    const counts = { scans: 0, sorts: 0, mapOps: 0 };
    const patched: Array<[object, PropertyKey, unknown]> = [];
    const wrap = (target: object, name: PropertyKey, count: keyof typeof counts) => {
      const original = (target as Record<PropertyKey, (...args: unknown[]) => unknown>)[name]!;
      patched.push([target, name, original]);
      Object.defineProperty(target, name, {
        configurable: true,
        writable: true,
        value: function (this: unknown, ...args: unknown[]) {
          if (big(this)) counts[count] += 1;
          return original.apply(this, args);
        },
      });
    };
    /** Map operations and scans for 1,000 inserts once `size` sessions are held. */
    async function perInsert(size: number): Promise<typeof counts> {
      let now = 1_000_000;
      const list = createMemoryRevocationList({ maxEntries: size * 2, now: () => now });
      for (let i = 0; i < size; i += 1) await list.revoke(`fill-${i}`, now + 100_000 + (i % 997));
      for (const [target, name] of [[Map.prototype, 'entries'], [Map.prototype, 'keys'], [Map.prototype, 'values'], [Map.prototype, 'forEach'], [Map.prototype, Symbol.iterator]] as const) wrap(target, name, 'scans');
      wrap(Array.prototype, 'sort', 'sorts');
      wrap(Array.prototype, 'filter', 'scans');
      for (const name of ['get', 'set', 'has', 'delete'] as const) wrap(Map.prototype, name, 'mapOps');
      counts.scans = counts.sorts = counts.mapOps = 0;
      try {
        // Time moves on and these entries are short-lived, so the inserts also prune (the same number whatever the size).
        for (let i = 0; i < 1000; i += 1) {
          now += 5;
          await list.revoke(`new-${i}`, now + 50);
        }
      } finally {
        for (const [target, name, original] of patched.splice(0)) Object.defineProperty(target, name, { configurable: true, writable: true, value: original });
      }
      return { ...counts };
    }
    const small = await perInsert(1000);
    const large = await perInsert(20_000);
    expect(small.scans + large.scans).toBe(0);
    expect(small.sorts + large.sorts).toBe(0);
    // Each insert: a few lookups and its own set, plus a get and a delete per entry it expires.
    expect(large.mapOps).toBeLessThanOrEqual(1000 * 4 + 2 * 1000);
    expect(large.mapOps).toBe(small.mapOps);
  });

  test('always ready: it lives in this process, so /readyz has nothing to wait for', async () => {
    expect(await createMemoryRevocationList().ready()).toBe(true);
  });
});

describe('memory revocation list: subjects and single-use ids', () => {
  test('a subject revocation ends sessions made before it, not after, and expires', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ now: () => now });
    await list.revokeSubject('alice', 1000, 1500);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 999 })).toBe(true);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 1000 })).toBe(false);
    expect(await list.isRevoked('s1', { sub: 'bob', iat: 999 })).toBe(false);
    expect(await list.isRevoked('s1')).toBe(false);
    // An earlier, shorter repeat keeps the later bounds.
    await list.revokeSubject('alice', 900, 1200);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 950 })).toBe(true);
    now = 1500;
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 999 })).toBe(false);
  });

  test('a Rocket.Chat logout leaves a mark that rocketChatLogoutAt reads until the entry expires; other logouts leave none', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ now: () => now });
    await list.revokeSubject('alice', 1001, 1500);
    expect(await list.rocketChatLogoutAt('alice')).toBeUndefined();
    await list.revokeSubject('alice', 1101, 1600, { rocketChatLogout: true });
    expect(await list.rocketChatLogoutAt('alice')).toBe(1101);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 1100 })).toBe(true);
    expect(await list.rocketChatLogoutAt('bob')).toBeUndefined();
    // A later site logout moves `before` but keeps the mark; an earlier Rocket.Chat logout keeps the later mark.
    await list.revokeSubject('alice', 1201, 1700);
    await list.revokeSubject('alice', 1050, 1550, { rocketChatLogout: true });
    expect(await list.rocketChatLogoutAt('alice')).toBe(1101);
    expect(await list.isRevoked('s1', { sub: 'alice', iat: 1200 })).toBe(true);
    now = 1700;
    expect(await list.rocketChatLogoutAt('alice')).toBeUndefined();
  });

  test('subject marks are bounded with the rest: a full list refuses new subjects and keeps every mark it holds', async () => {
    const now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 100, now: () => now });
    let refused = 0;
    for (let i = 0; i < 500; i += 1) {
      await list.revokeSubject(`user-${i}`, now + 1, now + 1000 + ((i * 7919) % 500), { rocketChatLogout: true }).catch((error: unknown) => {
        expect(error).toBeInstanceOf(RevocationListFullError);
        refused += 1;
      });
    }
    expect(refused).toBe(400);
    for (let i = 0; i < 100; i += 1) expect(await list.rocketChatLogoutAt(`user-${i}`)).toBe(now + 1);
    expect(await list.rocketChatLogoutAt('user-499')).toBeUndefined();
    // A subject it holds still takes a later logout.
    await list.revokeSubject('user-0', now + 50, now + 2000);
    expect(await list.isRevoked('s', { sub: 'user-0', iat: now + 49 })).toBe(true);
  });

  test('firstUse is true once per id until it expires', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ now: () => now });
    expect(await list.firstUse('j1', 1060)).toBe(true);
    expect(await list.firstUse('j1', 1060)).toBe(false);
    expect(await list.firstUse('j2', 1060)).toBe(true);
    now = 1061;
    expect(await list.firstUse('j1', 1120)).toBe(true);
  });

  test('firstUse on a full list refuses the new id rather than forget a used one', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 2, now: () => now });
    expect(await list.firstUse('j1', 1010)).toBe(true);
    expect(await list.firstUse('j2', 1060)).toBe(true);
    await expect(list.firstUse('j3', 1060)).rejects.toBeInstanceOf(RevocationListFullError);
    expect(await list.firstUse('j1', 1010)).toBe(false);
    now = 1010;
    expect(await list.firstUse('j3', 1060)).toBe(true);
    expect(await list.firstUse('j2', 1060)).toBe(false);
  });
});
