/** The session cookie: a compact JWE (dir + A256GCM) under a key derived for this purpose only. */
import { compactDecrypt, decodeProtectedHeader, jwtDecrypt } from 'jose';
import { createSessionCodec, deriveKey, type Session } from '../../../service/sessions/cookie-codec';

const SECRET = 's'.repeat(32);
const user = { sub: 's', username: 'u', email: 'u@example.com', email_verified: true, name: 'U' };
const now = Math.floor(Date.now() / 1000);
const session: Session = { sid: 'sid1', user, credential: { loginToken: 'secret-token' }, iat: now, exp: now + 60 };

test('a compact JWE, dir + A256GCM, that jose decrypts with the derived key', async () => {
  const value = await createSessionCodec(SECRET).encode(session);
  const parts = value.split('.');
  expect(parts).toHaveLength(5);
  expect(parts[1]).toBe('');
  expect(Buffer.from(parts[2], 'base64url')).toHaveLength(12);
  expect(Buffer.from(parts[4], 'base64url')).toHaveLength(16);
  expect(decodeProtectedHeader(value)).toEqual({ alg: 'dir', enc: 'A256GCM' });
  const { payload } = await jwtDecrypt(value, deriveKey(SECRET, 'session cookie v1'), { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
  expect(payload).toEqual(session);
});

test('another codec with the same secret (another replica) decrypts it; one with another secret does not', async () => {
  const value = await createSessionCodec(SECRET).encode(session);
  expect(await createSessionCodec(SECRET).decode(value)).toEqual(session);
  expect(await createSessionCodec('t'.repeat(32)).decode(value)).toBeUndefined();
});

test('a fresh IV each time; the header is authenticated (changing it breaks the tag)', async () => {
  const codec = createSessionCodec(SECRET);
  const [a, b] = [await codec.encode(session), await codec.encode(session)];
  expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  const otherHeader = Buffer.from(JSON.stringify({ enc: 'A256GCM', alg: 'dir' })).toString('base64url');
  const tampered = [otherHeader, ...a.split('.').slice(1)].join('.');
  await expect(compactDecrypt(tampered, deriveKey(SECRET, 'session cookie v1'))).rejects.toThrow();
  expect(await createSessionCodec(SECRET).decode(tampered)).toBeUndefined();
});

test('a decoded value is known without waiting; one changed anywhere before its tag (the cache\'s key) is not, and does not decode', async () => {
  const codec = createSessionCodec(SECRET);
  const value = await codec.encode(session);
  expect(codec.known(value)).toBeUndefined();
  expect(await codec.decode(value)).toEqual(session);
  expect(codec.known(value)).toEqual(session);
  // Same last segment (the authentication tag), one ciphertext character changed.
  const [header, key, iv, ciphertext, tag] = value.split('.');
  const flipped = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`;
  const forged = [header, key, iv, flipped, tag].join('.');
  expect(forged.slice(-22)).toBe(value.slice(-22));
  expect(codec.known(forged)).toBeUndefined();
  expect(await codec.decode(forged)).toBeUndefined();
  // The genuine value is still known.
  expect(codec.known(value)).toEqual(session);
});
