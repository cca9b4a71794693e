/** Password mode's small parts: the pending-login store, the per-account budget, email masking, Rocket.Chat's reset header. */
import { maskEmail } from '../../service/modes/password/login';
import { createHash } from 'node:crypto';
import { PendingLogins, type PendingLogin, type SealedLogin } from '../../service/modes/password/pending-logins';
import { memoryRecords } from '../../service/state/memory';
import { retryAfterSeconds } from '../../service/rocketchat/rest';

const entry: PendingLogin = { login: 'alice', password: 'secret', method: 'totp', attempts: 0 };

describe('PendingLogins', () => {
  const SECRET = 'XsJ3woDG2ptrPtHKPk/12hCFiq0/nKDjidkIjolBD6U=';

  test('an entry is taken once, only with the binding it was put with, and only before it expires', async () => {
    let now = 1_000;
    const pending = new PendingLogins(memoryRecords<SealedLogin>(100, () => now), SECRET, 180_000, () => now);
    const id = await pending.put(entry, 'form-a');
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await pending.take(id, 'form-b')).toBeUndefined();
    // A wrong binding burns the entry too: no second guess.
    expect(await pending.take(id, 'form-a')).toBeUndefined();
    const again = await pending.put(entry, 'form-a');
    // A peek (the lockout key before the code is tried) needs the binding and leaves the entry.
    expect(await pending.peek(again, 'form-b')).toBeUndefined();
    expect(await pending.peek(again, 'form-a')).toEqual(entry);
    expect(await pending.take(again, 'form-a')).toEqual(entry);
    expect(await pending.take(again, 'form-a')).toBeUndefined();
    const late = await pending.put(entry, 'form-a');
    now += 180_000;
    expect(await pending.take(late, 'form-a')).toBeUndefined();
  });

  test('the store holds neither the password nor the id: a sealed entry under the id\'s hash, opened only with the id and the secret', async () => {
    const records = memoryRecords<SealedLogin>(100);
    const pending = new PendingLogins(records, SECRET);
    const id = await pending.put({ ...entry, password: 'hunter2-very-secret' }, 'form-a');
    const key = createHash('sha256').update(id).digest('base64url');
    const held = await records.get(key);
    expect(held).toBeDefined();
    expect(JSON.stringify(held)).not.toContain('hunter2');
    expect(JSON.stringify(held)).not.toContain(id);
    expect(await records.get(id)).toBeUndefined();
    // Another secret (another deployment, or a store copied elsewhere) opens nothing, and the entry is gone after a take.
    expect(await new PendingLogins(records, 'another-secret-of-a-fair-length-000000', 180_000).peek(id, 'form-a')).toBeUndefined();
    expect((await pending.take(id, 'form-a'))?.password).toBe('hunter2-very-secret');
  });

  test('bounded in memory: the oldest entries go first, and expired ones are dropped', async () => {
    let now = 0;
    const records = memoryRecords<SealedLogin>(3, () => now);
    const pending = new PendingLogins(records, SECRET, 1000, () => now);
    const ids = [];
    for (let i = 0; i < 4; i += 1) ids.push(await pending.put(entry, 'f'));
    expect(records.size).toBe(3);
    expect(await pending.take(ids[0], 'f')).toBeUndefined();
    now = 5000;
    expect(await pending.take(ids[3], 'f')).toBeUndefined();
  });
});

test('maskEmail keeps enough to recognise one’s own address', () => {
  expect(maskEmail('alice@example.com')).toBe('al***@example.com');
  expect(maskEmail('bo@example.com')).toBe('b***@example.com');
  expect(maskEmail('nonsense')).toBe('***');
});

test('retryAfterSeconds: x-ratelimit-reset (epoch ms), then Retry-After, then the body, then 60', () => {
  const now = 1_700_000_000_000;
  expect(retryAfterSeconds(new Headers({ 'x-ratelimit-reset': String(now + 41_500) }), {}, now)).toBe(42);
  expect(retryAfterSeconds(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 30) }), {}, now)).toBe(30);
  expect(retryAfterSeconds(new Headers({ 'retry-after': '7' }), {}, now)).toBe(7);
  expect(retryAfterSeconds(new Headers(), { error: 'Error, too many requests. Please slow down. You must wait 23 seconds before trying this endpoint again. [error-too-many-requests]' }, now)).toBe(23);
  expect(retryAfterSeconds(new Headers(), {}, now)).toBe(60);
});
