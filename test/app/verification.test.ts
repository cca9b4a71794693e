/**
 * Assertion verification, cross-checked against jose: what jose signs with each algorithm
 * and key form verifies; every forgery is refused with its own reason; jti is single use.
 */
import * as jose from 'jose';
import { acceptAssertion, verifyAssertion } from '../../app/lib/assertion';
import { loadConfig, type VerificationConfig } from '../../app/lib/config';
import { InvalidAssertion } from '../../app/lib/errors';
import { ReplayCache } from '../../app/lib/store/replayCache';
import { SettingId } from '../../app/settings';
import { MemoryPersistence } from '../support/app/accessors';
import { AUDIENCE, claimsFor, ISSUER, makeKeys, nowSeconds, signWithJose, verificationSettings, type TestKeys } from './fixtures';
import { forgeries } from './forgeries';

let keys: TestKeys;

beforeAll(async () => {
  keys = await makeKeys();
});

function verification(extra: Record<string, unknown> = {}): VerificationConfig {
  const loaded = loadConfig(new Map(Object.entries({ ...verificationSettings(keys), ...extra, [SettingId.RcAdminUserId]: 'u', [SettingId.RcAdminToken]: 't' })));
  return loaded.config.verification;
}

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidAssertion) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('assertions signed by jose verify', () => {
  test.each([
    ['HS256 with the shared secret', () => signWithJose(claimsFor('alice'), { alg: 'HS256' })],
    ['EdDSA, key configured as a JWK without kid, token without kid', () => signWithJose(claimsFor('alice'), { alg: 'EdDSA', key: keys.ed })],
    ['EdDSA, rotated-in key chosen by kid', () => signWithJose(claimsFor('alice'), { alg: 'EdDSA', key: keys.edNext, kid: 'ed-2026' })],
    ['ES256, JWK chosen by kid', () => signWithJose(claimsFor('alice'), { alg: 'ES256', key: keys.ec, kid: 'ec-1' })],
    ['ES256 without kid', () => signWithJose(claimsFor('alice'), { alg: 'ES256', key: keys.ec })],
  ])('%s', async (_name, make) => {
    const token = await make();
    const claims = verifyAssertion(token, verification(), nowSeconds());
    expect(claims.username).toBe('alice');
    // jose agrees with the App about the same token.
    expect(jose.decodeJwt(token).jti).toBe(claims.jti);
  });

  test('keys given as concatenated PEM blocks; kid may be the RFC 7638 thumbprint jose computes', async () => {
    const config = verification({ [SettingId.AssertionPublicKeys]: `${keys.ed.publicPem}\n${keys.ec.publicPem}` });
    const thumbprint = await jose.calculateJwkThumbprint(keys.ed.publicJwk);
    const byThumbprint = await signWithJose(claimsFor('alice'), { alg: 'EdDSA', key: keys.ed, kid: thumbprint });
    expect(verifyAssertion(byThumbprint, config, nowSeconds()).username).toBe('alice');
    const es = await signWithJose(claimsFor('bob'), { alg: 'ES256', key: keys.ec });
    expect(verifyAssertion(es, config, nowSeconds()).username).toBe('bob');
  });

  test('a JWKS object works, and removing the old key retires it (rotation without downtime)', async () => {
    const both = verification({ [SettingId.AssertionPublicKeys]: JSON.stringify({ keys: [{ ...keys.ed.publicJwk, kid: 'ed-2025' }, keys.edNext.publicJwk] }) });
    const old = await signWithJose(claimsFor('alice'), { alg: 'EdDSA', key: keys.ed, kid: 'ed-2025' });
    const fresh = await signWithJose(claimsFor('alice'), { alg: 'EdDSA', key: keys.edNext, kid: 'ed-2026' });
    expect(reasonOf(() => verifyAssertion(old, both, nowSeconds()))).toBe('accepted');
    expect(reasonOf(() => verifyAssertion(fresh, both, nowSeconds()))).toBe('accepted');
    const newOnly = verification({ [SettingId.AssertionPublicKeys]: JSON.stringify([keys.edNext.publicJwk]) });
    expect(reasonOf(() => verifyAssertion(old, newOnly, nowSeconds()))).toBe('unknown_key');
    expect(reasonOf(() => verifyAssertion(fresh, newOnly, nowSeconds()))).toBe('accepted');
  });

  test('clock skew: just expired within the skew still passes, beyond it not', async () => {
    const now = nowSeconds();
    const token = await signWithJose(claimsFor('alice', { iat: now - 50, exp: now - 10 }), { alg: 'HS256' });
    expect(reasonOf(() => verifyAssertion(token, verification(), now))).toBe('accepted');
    expect(reasonOf(() => verifyAssertion(token, verification({ [SettingId.ClockSkewSeconds]: 5 }), now))).toBe('expired');
  });

  test('issuer and audience come from the settings', async () => {
    const token = await signWithJose(claimsFor('alice', { iss: 'https://other.example' }), { alg: 'HS256' });
    expect(reasonOf(() => verifyAssertion(token, verification(), nowSeconds()))).toBe('wrong_issuer');
    expect(reasonOf(() => verifyAssertion(token, verification({ [SettingId.AssertionIssuer]: 'https://other.example' }), nowSeconds()))).toBe('accepted');
    expect(ISSUER).not.toBe(AUDIENCE);
  });
});

describe('forged and broken assertions are refused with the right reason', () => {
  test(`there are at least 30 distinct cases (${forgeries.length})`, () => {
    expect(new Set(forgeries.map((f) => f.name)).size).toBe(forgeries.length);
    expect(forgeries.length).toBeGreaterThanOrEqual(30);
  });

  test.each(forgeries.map((f) => [f.name, f] as const))('%s', async (_name, forgery) => {
    const token = await forgery.make(keys);
    expect(reasonOf(() => verifyAssertion(token, verification(forgery.settings), nowSeconds()))).toBe(forgery.reason);
  });

  // jose is looser than the contract on claims and headers; on signatures, keys and time it must agree.
  const joseLevel = forgeries.filter((f) => !f.settings && ['bad_signature', 'unknown_key', 'expired', 'not_yet_valid', 'wrong_issuer', 'wrong_audience', 'alg_not_allowed'].includes(f.reason));
  test.each(joseLevel.map((f) => [f.name, f] as const))('jose refuses it too: %s', async (_name, forgery) => {
    await expect(joseVerify(await forgery.make(keys))).rejects.toThrow();
  });

  test('a replayed jti is refused, also after a restart of the App (persistence, not memory)', async () => {
    const storage = new MemoryPersistence();
    const token = await signWithJose(claimsFor('alice'), { alg: 'HS256' });
    const now = nowSeconds();
    await expect(acceptAssertion(token, verification(), new ReplayCache(), { read: storage, write: storage }, now)).resolves.toMatchObject({ username: 'alice' });
    const second = acceptAssertion(token, verification(), new ReplayCache(), { read: storage, write: storage }, now);
    await expect(second).rejects.toMatchObject({ reason: 'replayed' });
  });

  test('two concurrent uses of one jti: at most one wins', async () => {
    const storage = new MemoryPersistence();
    const token = await signWithJose(claimsFor('alice'), { alg: 'HS256' });
    const cache = new ReplayCache();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => acceptAssertion(token, verification(), cache, { read: storage, write: storage }, nowSeconds())));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
  });

  test('seen jti records are pruned once expired, and only then', async () => {
    const storage = new MemoryPersistence();
    const cache = new ReplayCache();
    const now = nowSeconds();
    const first = await signWithJose(claimsFor('alice', { iat: now, exp: now + 10 }), { alg: 'HS256' });
    await acceptAssertion(first, verification(), cache, { read: storage, write: storage }, now);
    await cache.idle();
    expect(storage.records.size).toBe(1);
    // Two minutes later (exp + skew has passed), the next login prunes the old record.
    const later = now + 120;
    const second = await signWithJose(claimsFor('bob', { iat: later, exp: later + 10 }), { alg: 'HS256' });
    await acceptAssertion(second, verification(), cache, { read: storage, write: storage }, later);
    await cache.idle(); // the pass runs after the login answered
    expect(storage.records.size).toBe(1);
    expect([...storage.records.values()][0]!.data).toMatchObject({ expiresAt: later + 10 + 30 });
  });
});

async function joseVerify(token: string): Promise<unknown> {
  const set = jose.createLocalJWKSet({ keys: [keys.ed.publicJwk, keys.edNext.publicJwk, keys.ec.publicJwk] });
  const options = { issuer: ISSUER, audience: AUDIENCE, maxTokenAge: 60, clockTolerance: 30, typ: undefined };
  const header = jose.decodeProtectedHeader(token);
  if (header.alg === 'HS256') return jose.jwtVerify(token, new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'), { ...options, algorithms: ['HS256'] });
  const verified = await jose.jwtVerify(token, set, { ...options, algorithms: ['EdDSA', 'ES256'] });
  // jose reads these claims loosely; the contract is stricter. Mirror the contract here.
  const p = verified.payload as Record<string, unknown>;
  for (const name of ['sub', 'jti', 'exp', 'email_verified']) if (!(name in p)) throw new Error(`missing ${name}`);
  if (typeof p.aud !== 'string' || typeof p.email_verified !== 'boolean' || (p.roles !== undefined && !Array.isArray(p.roles))) throw new Error('bad claim');
  if (typeof p.username !== 'string' || !/^[0-9A-Za-z._-]{1,64}$/.test(p.username)) throw new Error('bad username');
  if (token.length > 8192) throw new Error('too large');
  return verified;
}
