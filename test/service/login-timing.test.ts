/**
 * Every failed login looks the same from outside, in time too: a locked account, an unknown login
 * and a wrong password are all answered after one password hash. Medians of many tries with
 * generous ratios, never absolute times: the test must hold on a busy machine.
 */
import { cookieJar, csrfFrom, PASSWORD, PUBLIC_ORIGIN, seededStore, startHarness, type Harness } from './support/harness';
import { hashPassword } from '../../service/users/password';
import type { UserStore } from '../../service/users/types';

const TRIES = 21;

let store: UserStore;
let h: Harness;
beforeAll(async () => {
  store = await seededStore();
  // One stored hash for all: each wrong-password account is tried once, so none is locked when measured.
  const passwordHash = await hashPassword(PASSWORD);
  for (let i = 0; i < TRIES + 3; i += 1) {
    await store.add({ sub: `sub-timed-${i}`, username: `timed${i}`, email: `timed${i}@example.com`, email_verified: true, name: `Timed ${i}`, passwordHash, disabled: false, createdAt: '' });
  }
  h = await startHarness({ store, env: { LOCKOUT_THRESHOLD: '1', LOCKOUT_BASE_SECONDS: '600', LOCKOUT_MAX_SECONDS: '600', LOGIN_RATE_LIMIT_PER_MINUTE: '100000' } });
}, 60_000);
afterAll(() => h.close());

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

test('a locked account, an unknown login and a wrong password take about as long (medians)', async () => {
  const jar = cookieJar();
  const page = await h.app.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const csrf = csrfFrom(page.body);
  const attempt = async (username: string, password: string) => {
    const started = process.hrtime.bigint();
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(response.statusCode).toBe(401);
    return { ms, body: response.body };
  };

  // LOCKOUT_THRESHOLD=1: alice is locked after one failure, even for her right password.
  await attempt('alice', 'wrong');
  // Warm up (the unknown-login decoy hash, JIT), unmeasured.
  for (let i = 0; i < 3; i += 1) {
    await attempt(`warm-nobody-${i}`, 'wrong');
    await attempt(`timed${TRIES + i}`, 'wrong');
    await attempt('alice', PASSWORD);
  }

  const times = { locked: [] as number[], unknown: [] as number[], wrong: [] as number[] };
  const bodies = new Set<string>();
  const strip = (body: string) => body.replace(/value="[^"]*"/g, '').replace(/nonce="[^"]*"/g, '');
  // Interleaved, so a burst of load elsewhere falls on all three alike.
  for (let i = 0; i < TRIES; i += 1) {
    const locked = await attempt('alice', PASSWORD);
    const unknown = await attempt(`nobody-${i}`, PASSWORD);
    const wrong = await attempt(`timed${i}`, 'wrong');
    times.locked.push(locked.ms);
    times.unknown.push(unknown.ms);
    times.wrong.push(wrong.ms);
    for (const { body } of [locked, unknown, wrong]) bodies.add(strip(body));
  }
  const medians = { locked: median(times.locked), unknown: median(times.unknown), wrong: median(times.wrong) };
  // The medians travel in the compared objects, so a failure shows them.
  expect(bodies.size).toBe(1);
  expect({ medians, lockedVsUnknown: medians.locked / medians.unknown >= 0.5 }).toEqual({ medians, lockedVsUnknown: true });
  expect({ medians, wrongVsUnknown: medians.wrong / medians.unknown >= 0.5 && medians.wrong / medians.unknown <= 2 }).toEqual({ medians, wrongVsUnknown: true });
}, 120_000);
