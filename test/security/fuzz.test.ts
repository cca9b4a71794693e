/**
 * Property-based fuzzing (fast-check, seeded, bounded): the App's JWS parser/verifier and the
 * companion's login form handler never throw anything but their typed refusal, and never
 * accept what they should not.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { verifyAssertion } from '../../app/lib/assertion';
import { loadConfig, type VerificationConfig } from '../../app/lib/config';
import { InvalidAssertion } from '../../app/lib/errors';
import { verifyCompactJws } from '../../app/lib/jws/verify';
import { SettingId } from '../../app/settings';
import { claimsFor, makeKeys, nowSeconds, SECRET, signRaw, signWithJose, verificationSettings, type TestKeys } from '../app/fixtures';
import { cookieJar, csrfFrom, PUBLIC_ORIGIN, startHarness, type Harness } from '../service/support/harness';

const SEED = 20_260_525;

let keys: TestKeys;
let config: VerificationConfig;
let valid: string;

beforeAll(async () => {
  keys = await makeKeys();
  config = loadConfig(new Map(Object.entries({ ...verificationSettings(keys), [SettingId.RcAdminUserId]: 'u', [SettingId.RcAdminToken]: 't' }))).config.verification;
  valid = await signWithJose(claimsFor('alice', { exp: nowSeconds() + 50 }), { alg: 'EdDSA', key: keys.ed });
});

/** 'accepted', or the refusal's reason; anything else thrown fails the property. */
function outcome(token: string): string {
  try {
    verifyAssertion(token, config, nowSeconds());
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidAssertion) return error.reason;
    throw error;
  }
}

describe('App assertion parser', () => {
  test('arbitrary strings (and JWS-shaped ones) are refused with a typed reason, never thrown through', () => {
    const segment = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.'.split('')), maxLength: 200 });
    const token = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.tuple(segment, segment, segment).map((parts) => parts.join('.')));
    fc.assert(fc.property(token, (t) => outcome(t) !== 'accepted'), { seed: SEED, numRuns: 1000 });
  });

  test('a valid token with any one character changed, inserted or deleted is never accepted', () => {
    expect(outcome(valid)).toBe('accepted');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const mutation = fc.record({ at: fc.nat(valid.length - 1), kind: fc.constantFrom('replace', 'insert', 'delete'), char: fc.constantFrom(...alphabet.split('')) });
    fc.assert(
      fc.property(mutation, ({ at, kind, char }) => {
        const mutated = kind === 'delete' ? valid.slice(0, at) + valid.slice(at + 1) : valid.slice(0, at) + char + valid.slice(kind === 'replace' ? at + 1 : at);
        fc.pre(mutated !== valid);
        return outcome(mutated) !== 'accepted';
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test('any JSON header and payload, correctly HS256-signed, is refused unless it is a complete valid claim set', () => {
    const header = fc.oneof(fc.json({ maxDepth: 3 }), fc.constant('{"alg":"HS256"}'), fc.dictionary(fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jwk'), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o)));
    const payload = fc.oneof(
      fc.json({ maxDepth: 4 }),
      // Valid claims with one member replaced by an arbitrary JSON value.
      fc.tuple(fc.constantFrom(...Object.keys(claimsFor('alice'))), fc.jsonValue({ maxDepth: 3 })).map(([name, value]) => JSON.stringify({ ...claimsFor('alice'), [name]: value })),
    );
    fc.assert(
      fc.property(header, payload, (h, p) => {
        const result = outcome(signRaw(h, p, { alg: 'HS256', secret: SECRET }));
        if (result !== 'accepted') return true;
        // Accepted only if both halves are what a correct signer would have produced.
        const claims = JSON.parse(p) as Record<string, unknown>;
        return JSON.parse(h).alg === 'HS256' && typeof claims.username === 'string' && /^[0-9A-Za-z._-]{1,64}$/.test(claims.username) && claims.iss === 'https://site.example';
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test('verifyCompactJws on random bytes in each segment throws only InvalidAssertion', () => {
    const bytes = fc.uint8Array({ maxLength: 120 });
    fc.assert(
      fc.property(bytes, bytes, bytes, (h, p, s) => {
        try {
          verifyCompactJws(`${Buffer.from(h).toString('base64url')}.${Buffer.from(p).toString('base64url')}.${Buffer.from(s).toString('base64url')}`, { keys: config.keys, algorithms: config.algorithms });
          return false;
        } catch (error) {
          return error instanceof InvalidAssertion;
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('companion login form (POST /login through inject)', () => {
  let harness: Harness;
  let app: FastifyInstance;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    harness = await startHarness({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '100000', LOCKOUT_THRESHOLD: '1000', LOG_LEVEL: 'silent' } });
    app = harness.app;
    const jar = cookieJar();
    const page = await app.inject({ method: 'GET', url: '/login' });
    jar.take(page.headers['set-cookie']);
    cookie = jar.header();
    csrf = csrfFrom(page.body);
  });
  afterAll(async () => {
    await harness.close();
  });

  test('random bodies, content types, queries, origins and CSRF values: never 5xx, never signed in, never a cookie set', async () => {
    const text = fc.string({ maxLength: 60 });
    const field = fc.oneof(text, fc.constant('alice'), fc.constant('alice@example.com'), fc.string({ unit: 'binary', maxLength: 40 }));
    const body = fc.oneof(
      // A form whose fields are fuzzed; the password is never the right one.
      fc.record({ username: field, password: fc.oneof(text, fc.constant('')), _csrf: fc.oneof(fc.constant(csrf), text) }, { requiredKeys: [] }).map((r) => new URLSearchParams(r as Record<string, string>).toString()),
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-16', '');
    const query = fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }).map((q) => `?${encodeURIComponent(q)}`), fc.constant('?client=electron&lang=de'), fc.string({ maxLength: 30 }).map((q) => `?next=${encodeURIComponent(q)}`));
    const origin = fc.constantFrom(PUBLIC_ORIGIN, 'https://evil.example', 'null', undefined);
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, contentType, query, origin, async (payload, type, q, from) => {
        const headers: Record<string, string> = { cookie };
        if (type) headers['content-type'] = type;
        if (from) headers.origin = from;
        const response = await app.inject({ method: 'POST', url: `/login${q}`, headers, payload });
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
        return response.statusCode < 500 && response.statusCode !== 200 && !cookies.some((c) => c.includes('session')) && !response.body.includes('login-with-token') && !/"stack"|[A-Z]\w*Error\b|\bat \S+ \(|node_modules|\.ts:\d+/.test(response.body);
      }),
      { seed: SEED, numRuns: 600 },
    );
    console.log(`login form fuzz: 600 requests, statuses ${JSON.stringify(Object.fromEntries(seen))}`);
    // Still works for the real user afterwards.
    const ok = await app.inject({ method: 'POST', url: '/login', headers: { cookie, origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ username: 'alice', password: 'correct horse battery staple', _csrf: csrf }).toString() });
    expect(ok.statusCode).toBe(200);
  });
});
