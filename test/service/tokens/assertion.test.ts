/** The companion's assertions, read back by jose and the contract's own claim rules. */
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { ALGORITHMS, checkClaims } from '../../../app/contract/claims';
import type { AssertionKey } from '../../../service/config';
import { createAssertionSigner } from '../../../service/modes/app/assertion';

const user = { sub: 's1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice', roles: ['user'], avatar_url: 'https://site.example/a.png' };
const issuer = 'https://auth.example.org';
const audience = 'https://chat.example.com';
const secret = new TextEncoder().encode('assertion-secret-of-at-least-32-bytes!!');
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

test.each([
  ['HS256', secret, secret],
  ['HS256', createSecretKey(secret), secret],
  ['EdDSA', ed.privateKey, ed.publicKey],
  ['ES256', ec.privateKey, ec.publicKey],
] as const)('%s: jose verifies it with the allow-list, and the claims pass checkClaims', async (alg, key, verifyKey) => {
  const signer = createAssertionSigner({ key: { alg, key, kid: 'k1' }, issuer, audience, lifetimeSeconds: 45, now: () => 1_800_000_000 });
  const jws = await signer.sign(user);
  expect(decodeProtectedHeader(jws)).toEqual({ alg, typ: 'JWT', kid: 'k1' });
  const { payload } = await jwtVerify(jws, verifyKey, { algorithms: [...ALGORITHMS], issuer, audience, currentDate: new Date(1_800_000_010_000) });
  expect(payload).toEqual({ ...user, iss: issuer, aud: audience, iat: 1_800_000_000, exp: 1_800_000_045, jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
  const check = checkClaims(payload, { issuer, audience, maxLifetimeSeconds: 60, clockSkewSeconds: 30, now: 1_800_000_010 });
  expect(check.ok).toBe(true);
});

test('no kid header without a kid; optional claims only when the user has them', async () => {
  const signer = createAssertionSigner({ key: { alg: 'EdDSA', key: ed.privateKey }, issuer, audience, lifetimeSeconds: 60 });
  const jws = await signer.sign({ sub: 's2', username: 'bob', email: 'bob@example.com', email_verified: false, name: 'Bob' });
  expect(decodeProtectedHeader(jws)).toEqual({ alg: 'EdDSA', typ: 'JWT' });
  const { payload } = await jwtVerify(jws, ed.publicKey, { algorithms: ['EdDSA'] });
  expect(payload).not.toHaveProperty('roles');
  expect(payload).not.toHaveProperty('avatar_url');
});

test('a key of the wrong kind for the algorithm is refused when the signer is made, not at the first login', () => {
  const make = (key: AssertionKey) => () => createAssertionSigner({ key, issuer, audience, lifetimeSeconds: 60 });
  expect(make({ alg: 'EdDSA', key: ec.privateKey })).toThrow('EdDSA needs an Ed25519 private key');
  expect(make({ alg: 'EdDSA', key: ed.publicKey })).toThrow('EdDSA needs an Ed25519 private key');
  expect(make({ alg: 'ES256', key: ed.privateKey })).toThrow('ES256 needs a P-256 private key');
  expect(make({ alg: 'ES256', key: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey })).toThrow('ES256 needs a P-256 private key');
  expect(make({ alg: 'HS256', key: ed.privateKey })).toThrow('HS256 needs a secret key');
  expect(make({ alg: 'none' as AssertionKey['alg'], key: secret })).toThrow('unsupported assertion algorithm none');
});

test('jti values: 128 random bits each, never repeated', async () => {
  const signer = createAssertionSigner({ key: { alg: 'HS256', key: secret }, issuer, audience, lifetimeSeconds: 60 });
  const ids = await Promise.all(Array.from({ length: 500 }, async () => (await jwtVerify(await signer.sign(user), secret)).payload.jti as string));
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
});
