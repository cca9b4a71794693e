/**
 * Forged and broken assertions, each with the reason the App must give. Shared by the
 * verification tests and the endpoint tests (which also check that none reaches Rocket.Chat).
 */
import { createHmac, createPublicKey, sign as nodeSign } from 'node:crypto';
import * as jose from 'jose';
import type { InvalidReason } from '../../app/contract/claims';
import { SettingId } from '../../app/settings';
import { b64, claimsFor, nowSeconds, SECRET, signRaw, signWithJose, type TestKeys } from './fixtures';

export interface Forgery {
  name: string;
  reason: InvalidReason;
  make(keys: TestKeys): Promise<string>;
  /** Setting overrides for this case (e.g. HS256 switched off). */
  settings?: Record<string, unknown>;
}

const payload = (overrides: Record<string, unknown> = {}): string => JSON.stringify(claimsFor('mallory', overrides));
const ed = (keys: TestKeys, claims: Record<string, unknown> = claimsFor('mallory')) => signWithJose(claims, { alg: 'EdDSA', key: keys.ed });
const hs = (claims: Record<string, unknown>) => signWithJose(claims, { alg: 'HS256' });
const withoutClaim = (name: string): Record<string, unknown> => {
  const claims = claimsFor('mallory');
  delete claims[name];
  return claims;
};
const segments = (token: string): [string, string, string] => token.split('.') as [string, string, string];
const flipLastSignatureByte = (token: string): string => {
  const [h, p, s] = segments(token);
  const bytes = Buffer.from(s, 'base64url');
  bytes[bytes.length - 1] ^= 0x01;
  return `${h}.${p}.${bytes.toString('base64url')}`;
};

export const forgeries: Forgery[] = [
  { name: 'alg none, unsigned', reason: 'alg_not_allowed', make: async () => new jose.UnsecuredJWT(claimsFor('mallory')).encode() },
  { name: 'alg none with a signature', reason: 'alg_not_allowed', make: async () => `${b64('{"alg":"none"}')}.${b64(payload())}.${b64('x')}` },
  { name: 'alg "None" spelled differently', reason: 'alg_not_allowed', make: async () => signRaw('{"alg":"None"}', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'alg RS256 (not in the contract)', reason: 'alg_not_allowed', make: async () => signRaw('{"alg":"RS256"}', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'alg hs256 in lower case', reason: 'alg_not_allowed', make: async () => signRaw('{"alg":"hs256"}', payload(), { alg: 'HS256', secret: SECRET }) },
  {
    name: 'HS256 signed with the public key PEM as secret, no HS256 secret configured',
    reason: 'alg_not_allowed',
    settings: { [SettingId.AssertionSecret]: '' },
    make: async (keys) => signRaw('{"alg":"HS256","typ":"JWT"}', payload(), { alg: 'HS256', secret: keys.ed.publicPem }),
  },
  {
    name: 'HS256 signed with the public key PEM as secret, HS256 configured',
    reason: 'bad_signature',
    make: async (keys) => signRaw('{"alg":"HS256","typ":"JWT"}', payload(), { alg: 'HS256', secret: keys.ed.publicPem }),
  },
  {
    name: 'HS256 signed with the public JWK as secret, kid naming the public key',
    reason: 'alg_not_allowed',
    make: async (keys) => signRaw('{"alg":"HS256","kid":"ed-2026"}', payload(), { alg: 'HS256', secret: JSON.stringify(keys.edNext.publicJwk) }),
  },
  { name: 'HS256 with a wrong secret', reason: 'bad_signature', make: async () => signRaw('{"alg":"HS256"}', payload(), { alg: 'HS256', secret: 'another-secret-of-at-least-32-bytes!!!!' }) },
  { name: 'EdDSA signed by an unknown key', reason: 'bad_signature', make: async (keys) => signWithJose(claimsFor('mallory'), { alg: 'EdDSA', key: keys.other.ed }) },
  { name: 'ES256 signed by an unknown key under a known kid', reason: 'bad_signature', make: async (keys) => signWithJose(claimsFor('mallory'), { alg: 'ES256', key: keys.other.ec, kid: 'ec-1' }) },
  {
    name: 'ES256 with a DER signature instead of raw r||s',
    reason: 'bad_signature',
    make: async (keys) => {
      const token = await signWithJose(claimsFor('mallory'), { alg: 'ES256', key: keys.ec, kid: 'ec-1' });
      const [h, p] = segments(token);
      const der = nodeSign('sha256', new TextEncoder().encode(`${h}.${p}`), keys.ec.privateKey);
      return `${h}.${p}.${der.toString('base64url')}`;
    },
  },
  {
    name: 'payload swapped for another (tampered)',
    reason: 'bad_signature',
    make: async (keys) => {
      const [h, , s] = segments(await ed(keys));
      return `${h}.${b64(payload({ username: 'admin' }))}.${s}`;
    },
  },
  {
    name: 'header changed after signing (tampered)',
    reason: 'bad_signature',
    make: async (keys) => {
      const [, p, s] = segments(await ed(keys));
      return `${b64('{"alg":"EdDSA"}')}.${p}.${s}`;
    },
  },
  { name: 'signature with one bit flipped', reason: 'bad_signature', make: async (keys) => flipLastSignatureByte(await ed(keys)) },
  {
    name: 'signature truncated',
    reason: 'bad_signature',
    make: async (keys) => {
      const [h, p, s] = segments(await ed(keys));
      return `${h}.${p}.${s.slice(0, 40)}`;
    },
  },
  { name: 'expired', reason: 'expired', make: async (keys) => ed(keys, claimsFor('mallory', { iat: nowSeconds() - 120, exp: nowSeconds() - 60 })) },
  { name: 'not yet valid (nbf in the future)', reason: 'not_yet_valid', make: async (keys) => ed(keys, claimsFor('mallory', { nbf: nowSeconds() + 120 })) },
  { name: 'issued in the future', reason: 'issued_in_future', make: async (keys) => ed(keys, claimsFor('mallory', { iat: nowSeconds() + 120, exp: nowSeconds() + 150 })) },
  { name: 'lifetime over the maximum', reason: 'lifetime_too_long', make: async (keys) => ed(keys, claimsFor('mallory', { exp: nowSeconds() + 3600 })) },
  { name: 'wrong issuer', reason: 'wrong_issuer', make: async (keys) => ed(keys, claimsFor('mallory', { iss: 'https://evil.example' })) },
  { name: 'wrong audience', reason: 'wrong_audience', make: async (keys) => ed(keys, claimsFor('mallory', { aud: 'another-app' })) },
  { name: 'audience as an array', reason: 'bad_claim', make: async (keys) => ed(keys, claimsFor('mallory', { aud: ['rocketchat-iframe-bridge'] })) },
  { name: 'missing sub', reason: 'missing_claim', make: async () => hs(withoutClaim('sub')) },
  { name: 'missing jti', reason: 'missing_claim', make: async () => hs(withoutClaim('jti')) },
  { name: 'missing exp', reason: 'missing_claim', make: async () => hs(withoutClaim('exp')) },
  { name: 'missing email_verified', reason: 'missing_claim', make: async () => hs(withoutClaim('email_verified')) },
  { name: 'exp as a string', reason: 'bad_claim', make: async () => hs(claimsFor('mallory', { exp: String(nowSeconds() + 30) })) },
  { name: 'email_verified as the string "true"', reason: 'bad_claim', make: async () => hs(claimsFor('mallory', { email_verified: 'true' })) },
  { name: 'roles not an array', reason: 'bad_claim', make: async () => hs(claimsFor('mallory', { roles: 'admin' })) },
  { name: 'username with a space', reason: 'bad_claim', make: async () => hs(claimsFor('mallory', { username: 'mal lory' })) },
  { name: 'email with two @', reason: 'bad_claim', make: async () => hs(claimsFor('mallory', { email: 'a@corp.example@evil.example' })) },
  {
    name: 'base64 with a character outside the alphabet',
    reason: 'malformed',
    make: async (keys) => {
      const [h, p, s] = segments(await ed(keys));
      return `${h}.${p.slice(0, 10)}*${p.slice(11)}.${s}`;
    },
  },
  {
    name: 'standard base64 (+ and /) instead of base64url',
    reason: 'malformed',
    make: async () => {
      const token = signRaw('{"alg":"HS256"}', JSON.stringify({ ...claimsFor('mallory'), name: '\u00fb\u00ff\u00fe>>>?' }), { alg: 'HS256', secret: SECRET });
      const [h, p, s] = segments(token);
      return `${h}.${Buffer.from(p, 'base64url').toString('base64').replace(/=+$/, '')}.${s}`;
    },
  },
  {
    name: 'padding "=" on a segment',
    reason: 'malformed',
    make: async (keys) => {
      const [h, p, s] = segments(await ed(keys));
      return `${h}.${p}.${s}==`;
    },
  },
  {
    name: 'non-canonical base64url (unused bits set)',
    reason: 'malformed',
    make: async (keys) => {
      const [h, p, s] = segments(await ed(keys));
      // A 64-byte signature ends in a character carrying 4 unused bits: set one of them.
      const last = s[s.length - 1]!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twisted = alphabet[alphabet.indexOf(last) | 1]!;
      return `${h}.${p}.${s.slice(0, -1)}${twisted}`;
    },
  },
  { name: 'an extra segment', reason: 'malformed', make: async (keys) => `${await ed(keys)}.${b64('more')}` },
  {
    name: 'a missing segment',
    reason: 'malformed',
    make: async (keys) => {
      const [h, p] = segments(await ed(keys));
      return `${h}.${p}`;
    },
  },
  { name: 'five segments (JWE shape)', reason: 'malformed', make: async () => 'eyJhbGciOiJkaXIifQ..aGVsbG8.d29ybGQ.dGFn' },
  { name: 'empty signature segment', reason: 'bad_signature', make: async (keys) => `${segments(await ed(keys)).slice(0, 2).join('.')}.` },
  { name: 'oversize', reason: 'too_large', make: async () => hs(claimsFor('mallory', { avatar_url: `https://a.example/${'x'.repeat(9000)}` })) },
  {
    name: 'duplicate "alg" in the header',
    reason: 'malformed',
    make: async () => signRaw('{"alg":"HS256","alg":"none"}', payload(), { alg: 'HS256', secret: SECRET }),
  },
  {
    name: 'duplicate "username" in the payload',
    reason: 'malformed',
    make: async () => signRaw('{"alg":"HS256"}', payload().replace(/^\{/, '{"username":"admin",'), { alg: 'HS256', secret: SECRET }),
  },
  { name: 'crit header', reason: 'malformed', make: async () => signRaw('{"alg":"HS256","crit":["exp"],"exp":1}', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'jku header', reason: 'malformed', make: async () => signRaw('{"alg":"HS256","jku":"https://evil.example/jwks"}', payload(), { alg: 'HS256', secret: SECRET }) },
  {
    name: 'embedded jwk header naming the attacker key',
    reason: 'malformed',
    make: async (keys) => signRaw(JSON.stringify({ alg: 'EdDSA', jwk: keys.other.ed.publicJwk }), payload(), { alg: 'EdDSA', key: keys.other.ed.privateKey }),
  },
  { name: 'x5u header', reason: 'malformed', make: async () => signRaw('{"alg":"HS256","x5u":"https://evil.example/cert"}', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'b64:false header', reason: 'malformed', make: async () => signRaw('{"alg":"HS256","b64":false,"crit":["b64"]}', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'typ other than JWT', reason: 'malformed', make: async () => signRaw('{"alg":"HS256","typ":"at+jwt"}', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'header is a JSON array', reason: 'malformed', make: async () => signRaw('["HS256"]', payload(), { alg: 'HS256', secret: SECRET }) },
  { name: 'payload is not JSON', reason: 'malformed', make: async () => signRaw('{"alg":"HS256"}', 'iss=me', { alg: 'HS256', secret: SECRET }) },
  {
    name: 'payload is not UTF-8 (correctly signed)',
    reason: 'malformed',
    make: async () => {
      const input = `${b64('{"alg":"HS256"}')}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}`;
      return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    },
  },
  { name: 'unknown kid', reason: 'unknown_key', make: async (keys) => signWithJose(claimsFor('mallory'), { alg: 'EdDSA', key: keys.edNext, kid: 'retired-2019' }) },
  {
    name: 'EdDSA key named for an ES256 token',
    reason: 'alg_not_allowed',
    make: async (keys) => signRaw('{"alg":"ES256","kid":"ed-2026"}', payload(), { alg: 'ES256', key: keys.other.ec.privateKey }),
  },
  {
    name: 'ES256 token when only EdDSA keys are configured',
    reason: 'alg_not_allowed',
    settings: { [SettingId.AssertionPublicKeys]: '' },
    make: async (keys) => signWithJose(claimsFor('mallory'), { alg: 'ES256', key: keys.ec }),
  },
  {
    name: 'EdDSA switched off by assertion_algorithms',
    reason: 'alg_not_allowed',
    settings: { [SettingId.AssertionAlgorithms]: ['HS256', 'ES256'] },
    make: async (keys) => ed(keys),
  },
  {
    name: 'Ed25519 public key used as an HMAC secret through its raw bytes',
    reason: 'bad_signature',
    make: async (keys) => {
      const raw = createPublicKey(keys.ed.publicPem).export({ format: 'der', type: 'spki' });
      return signRaw('{"alg":"HS256"}', payload(), { alg: 'HS256', secret: new Uint8Array(raw) });
    },
  },
];
