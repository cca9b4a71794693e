/** Password mode's small parts: the pending-login store, the per-account budget, email masking, Rocket.Chat's reset header. */
import { maskEmail } from '../../service/modes/password/login';
import { PendingLogins, type PendingLogin } from '../../service/modes/password/pending-logins';
import { retryAfterSeconds } from '../../service/rocketchat/rest';

const entry: PendingLogin = { login: 'alice', password: 'secret', method: 'totp', attempts: 0 };

describe('PendingLogins', () => {
  test('an entry is taken once, only with the binding it was put with, and only before it expires', () => {
    let now = 1_000;
    const pending = new PendingLogins(180_000, 100, () => now);
    const id = pending.put(entry, 'form-a');
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pending.take(id, 'form-b')).toBeUndefined();
    // A wrong binding burns the entry too: no second guess.
    expect(pending.take(id, 'form-a')).toBeUndefined();
    const again = pending.put(entry, 'form-a');
    // A peek (the lockout key before the code is tried) needs the binding and leaves the entry.
    expect(pending.peek(again, 'form-b')).toBeUndefined();
    expect(pending.peek(again, 'form-a')).toEqual(entry);
    expect(pending.take(again, 'form-a')).toEqual(entry);
    expect(pending.take(again, 'form-a')).toBeUndefined();
    const late = pending.put(entry, 'form-a');
    now += 180_000;
    expect(pending.take(late, 'form-a')).toBeUndefined();
  });

  test('bounded: the oldest entries go first, and expired ones are swept', () => {
    let now = 0;
    const pending = new PendingLogins(1000, 3, () => now);
    const ids = [1, 2, 3, 4].map(() => pending.put(entry, 'f'));
    expect(pending.size).toBe(3);
    expect(pending.take(ids[0], 'f')).toBeUndefined();
    now = 5000;
    pending.put(entry, 'f');
    expect(pending.size).toBe(1);
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
