/** Password hashes take turns: never more at once than HASH_CONCURRENCY, every caller answered, in order of arrival. */
import { HASH_CONCURRENCY, hashLoad, hashPassword, verifyPassword } from '../../../service/users/password';

test('a burst of checks runs HASH_CONCURRENCY at a time, each answered rightly, and leaves nothing behind', async () => {
  const stored = await hashPassword('correct horse battery staple');
  const burst = HASH_CONCURRENCY + 5;
  const seen: Array<{ running: number; waiting: number }> = [];
  const checks = Array.from({ length: burst }, (_, i) => verifyPassword(stored, i % 2 ? 'correct horse battery staple' : 'wrong').then((ok) => (seen.push(hashLoad()), ok)));
  expect(hashLoad()).toEqual({ running: HASH_CONCURRENCY, waiting: burst - HASH_CONCURRENCY });
  const results = await Promise.all(checks);
  expect(results).toEqual(Array.from({ length: burst }, (_, i) => i % 2 === 1));
  expect(seen.every((load) => load.running <= HASH_CONCURRENCY)).toBe(true);
  expect(hashLoad()).toEqual({ running: 0, waiting: 0 });
});
