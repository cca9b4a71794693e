/** The strict parsers under the verifier: base64url, JSON without duplicate keys, key settings. */
import { randomBytes } from 'node:crypto';
import { decodeBase64url } from '../../app/lib/jws/base64url';
import { KeyConfigError, parsePublicKeys, parseSecret } from '../../app/lib/jws/keys';
import { JsonSyntaxError, parseStrictJson } from '../../app/lib/jws/strictJson';
import { makeKeys } from './fixtures';

const STRONG = randomBytes(24).toString('base64');

describe('strict base64url', () => {
  test.each(['', 'AQ', 'AQI', 'AQID', '_-8'])('accepts canonical %p', (text) => {
    expect(decodeBase64url(text)!.toString('base64url')).toBe(text);
  });
  test.each(['AQ==', 'A', 'AR', 'AQJ', 'a+b/', 'AQ D', 'AQ\n', 'é'])('refuses %p', (text) => {
    expect(decodeBase64url(text)).toBeUndefined();
  });
});

describe('strict JSON', () => {
  test('parses what JSON.parse parses, the same way', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"],"b":{"c":{}},"d":[]}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    expect(parseStrictJson(' \n{ "a" : 1 } \t')).toEqual({ a: 1 });
  });
  test.each([
    ['duplicate key', '{"a":1,"a":2}'],
    ['duplicate key nested', '{"x":{"a":1,"a":1}}'],
    ['duplicate key through an escape', '{"alg":"HS256","\\u0061lg":"none"}'],
    ['trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
    ['leading zero', '{"a":01}'],
    ['NaN', '{"a":NaN}'],
    ['trailing text', '{"a":1} x'],
    ['control character in a string', '{"a":"\u0001"}'],
    ['too deep', `${'['.repeat(40)}${']'.repeat(40)}`],
    ['empty', ''],
  ])('refuses %s', (_name, text) => {
    expect(() => parseStrictJson(text)).toThrow(JsonSyntaxError);
  });
  test('"__proto__" stays a plain key and never becomes a prototype', () => {
    const value = parseStrictJson('{"__proto__":{"admin":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect((value as { admin?: unknown }).admin).toBeUndefined();
  });
});

describe('key settings', () => {
  test('PEM and JWK of each type are read and bound to their algorithm', async () => {
    const keys = await makeKeys();
    expect(parsePublicKeys(`${keys.ed.publicPem}\n\n${keys.ec.publicPem}`).map((k) => k.alg)).toEqual(['EdDSA', 'ES256']);
    expect(parsePublicKeys(JSON.stringify(keys.ec.publicJwk))).toMatchObject([{ alg: 'ES256', kid: 'ec-1' }]);
  });
  test.each([
    ['text around the PEM blocks', (pem: string) => `hello\n${pem}`],
    ['a private JWK', () => JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', d: 'BBBB' })],
    ['a symmetric JWK', () => JSON.stringify({ kty: 'oct', k: 'AAAA' })],
    ['a JWK whose alg does not fit its type', (_pem: string, jwk: object) => JSON.stringify({ ...jwk, alg: 'ES256' })],
    ['two keys with one kid', (_pem: string, jwk: object) => JSON.stringify([{ ...jwk, kid: 'k' }, { ...jwk, kid: 'k' }])],
    ['an RSA key', () => JSON.stringify({ kty: 'RSA', n: 'sXch', e: 'AQAB' })],
  ])('refuses %s', async (_name, make) => {
    const keys = await makeKeys();
    expect(() => parsePublicKeys(make(keys.ed.publicPem, keys.ed.publicJwk))).toThrow(KeyConfigError);
  });
  test('an HS256 secret shorter than 32 bytes is refused', () => {
    expect(() => parseSecret('x'.repeat(31))).toThrow(KeyConfigError);
    expect(parseSecret(STRONG)!.length).toBe(32);
    expect(parseSecret('')).toBeUndefined();
  });
  test.each([
    ['the old .env.example placeholder', 'change-me-to-at-least-32-random-bytes-0123456789', /placeholder/],
    ['change-me in any case inside a random value', `${randomBytes(24).toString('base64')}Change_Me`, /placeholder/],
    ["'x' × 32", 'x'.repeat(32), /only 1 different character\b/],
    ['a short repeated pattern', 'secret'.repeat(6), /only 5 different characters/],
    ['hex with 9 digits', '012345678'.repeat(4), /only 9 different characters/],
  ])('an HS256 secret that is %s is refused, saying how to make one', (_name, text, why) => {
    expect(() => parseSecret(text)).toThrow(KeyConfigError);
    expect(() => parseSecret(text)).toThrow(why);
    expect(() => parseSecret(text)).toThrow('openssl rand -base64 32');
  });
  test('random secrets pass: base64 and hex, 500 of each', () => {
    for (let i = 0; i < 500; i += 1) {
      expect(parseSecret(randomBytes(32).toString('base64'))).toBeDefined();
      expect(parseSecret(randomBytes(32).toString('hex'))).toBeDefined();
    }
  });
});
