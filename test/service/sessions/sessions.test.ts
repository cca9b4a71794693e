import { createSessionCodec } from '../../../service/sessions/cookie-codec';
import { Lockout } from '../../../service/sessions/lockout';
import { createMemoryRevocationList } from '../../../service/sessions/memory-revocation';

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
  test('revoked until the session would have expired, then forgotten; bounded', async () => {
    let now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 3, now: () => now });
    await list.revoke('a', 1100);
    expect(await list.isRevoked('a')).toBe(true);
    expect(await list.isRevoked('b')).toBe(false);
    await list.revoke('past', 900);
    expect(await list.isRevoked('past')).toBe(false);
    now = 1100;
    expect(await list.isRevoked('a')).toBe(false);
    for (const sid of ['1', '2', '3', '4', '5']) await list.revoke(sid, 2000 + Number(sid));
    expect(await list.isRevoked('5')).toBe(true);
    expect(await list.isRevoked('1')).toBe(false);
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

  test('subject marks are bounded with the rest: a full list evicts the soonest-expiring', async () => {
    const now = 1000;
    const list = createMemoryRevocationList({ maxEntries: 100, now: () => now });
    for (let i = 0; i < 500; i += 1) await list.revokeSubject(`user-${i}`, now + 1, now + 1000 + i, { rocketChatLogout: true });
    let held = 0;
    for (let i = 0; i < 500; i += 1) if ((await list.rocketChatLogoutAt(`user-${i}`)) !== undefined) held += 1;
    expect(held).toBeLessThanOrEqual(100);
    expect(await list.rocketChatLogoutAt('user-499')).toBe(now + 1);
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
});

describe('lockout', () => {
  test('locks after the threshold, doubles, caps, and always expires', () => {
    let now = 0;
    const lockout = new Lockout({ threshold: 3, baseSeconds: 10, maxSeconds: 25, now: () => now });
    lockout.fail('Alice');
    lockout.fail('alice');
    expect(lockout.retryAfter('ALICE')).toBe(0);
    lockout.fail('alice');
    expect(lockout.retryAfter('alice')).toBe(10);
    now = 10;
    expect(lockout.retryAfter('alice')).toBe(0);
    lockout.fail('alice');
    expect(lockout.retryAfter('alice')).toBe(20);
    now = 30;
    lockout.fail('alice');
    expect(lockout.retryAfter('alice')).toBe(25);
    now = 56;
    expect(lockout.retryAfter('alice')).toBe(0);
    lockout.succeed('alice');
    lockout.fail('alice');
    expect(lockout.retryAfter('alice')).toBe(0);
    expect(lockout.retryAfter('bob')).toBe(0);
  });

  test('checks under way count as failures to come: at most the threshold at once, one at a time after a lock', () => {
    let now = 0;
    const lockout = new Lockout({ threshold: 3, baseSeconds: 10, maxSeconds: 25, now: () => now });
    const first = lockout.begin('alice');
    expect(first).toBeDefined();
    lockout.fail('alice');
    first?.();
    const running = [lockout.begin('Alice'), lockout.begin(' ALICE')];
    expect(running.every(Boolean)).toBe(true);
    // One failure and two checks under way: a fourth check could outrun the lock.
    expect(lockout.begin('alice')).toBeUndefined();
    expect(lockout.begin('bob')).toBeDefined();
    // A release without a failure (the check said nothing about the password) frees its place.
    running[0]?.();
    running[0]?.();
    const again = lockout.begin('alice');
    expect(again).toBeDefined();
    expect(lockout.begin('alice')).toBeUndefined();
    for (const release of [running[1], again]) {
      lockout.fail('alice');
      release?.();
    }
    expect(lockout.retryAfter('alice')).toBe(10);
    expect(lockout.begin('alice')).toBeUndefined();
    now = 10;
    // The lock has expired: one check at a time, each failure locks again for longer.
    const after = lockout.begin('alice');
    expect(after).toBeDefined();
    expect(lockout.begin('alice')).toBeUndefined();
    lockout.fail('alice');
    after?.();
    expect(lockout.retryAfter('alice')).toBe(20);
    now = 30;
    // A success forgives the failures: the full threshold again.
    const right = lockout.begin('alice');
    lockout.succeed('alice');
    right?.();
    expect([lockout.begin('alice'), lockout.begin('alice'), lockout.begin('alice')].every(Boolean)).toBe(true);
    expect(lockout.begin('alice')).toBeUndefined();
  });

  test('a long quiet spell forgives old failures; the table is bounded', () => {
    let now = 0;
    const lockout = new Lockout({ threshold: 2, baseSeconds: 10, maxSeconds: 10, maxEntries: 2, now: () => now });
    lockout.fail('a');
    now = 100;
    lockout.fail('a');
    expect(lockout.retryAfter('a')).toBe(0);
    lockout.fail('a');
    expect(lockout.retryAfter('a')).toBe(10);
    lockout.fail('b');
    lockout.fail('c');
    expect(lockout.retryAfter('a')).toBe(0);
  });
});
