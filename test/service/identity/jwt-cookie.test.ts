import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload, type KeyObject } from 'jose';
import { createJwtCookieIdentity, readCookie, type JwtCookieIdentityOptions } from '../../../service/identity/jwt-cookie';
import type { IdentityLog } from '../../../service/identity/site-user';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const ISSUER = 'https://www.example.com';
const AUDIENCE = 'rocketchat-bridge';
const claims = { sub: 'site-1', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' };
const expected = { ...claims };

function recordingLog(): IdentityLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (details, message) => void lines.push(JSON.stringify({ level: 'warn', ...details, message })),
    debug: (details, message) => void lines.push(JSON.stringify({ level: 'debug', ...details, message })),
  };
}

async function sign(
  key: CryptoKey | KeyObject | Uint8Array,
  alg: string,
  overrides: { payload?: JWTPayload; iss?: string; aud?: string; exp?: number | null; kid?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...claims, ...overrides.payload })
    .setProtectedHeader({ alg, ...(overrides.kid ? { kid: overrides.kid } : {}) })
    .setIssuer(overrides.iss ?? ISSUER)
    .setAudience(overrides.aud ?? AUDIENCE)
    .setIssuedAt();
  if (overrides.exp !== null) jwt.setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 300);
  return jwt.sign(key);
}

const cookie = (token: string) => `theme=dark; site_jwt=${token}; other=1`;
const secretBytes = new TextEncoder().encode(SECRET);

function options(overrides: Partial<JwtCookieIdentityOptions> = {}): JwtCookieIdentityOptions {
  return { cookieName: 'site_jwt', key: SECRET, issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], fieldMap: {}, ...overrides };
}

describe('jwt-cookie identity source: HS256 shared secret', () => {
  const log = recordingLog();
  const source = createJwtCookieIdentity(options({ log }));
  beforeEach(() => log.lines.splice(0));

  test('a valid cookie names the user', async () => {
    expect(await source.fromRequest?.({ cookie: cookie(await sign(secretBytes, 'HS256')) })).toEqual(expected);
  });

  test("sessionFromRequest also tells when the site issued the JWT (its iat), or nothing when it has none", async () => {
    const dated = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(1_700_000_000).setExpirationTime('5m').sign(secretBytes);
    expect(await source.sessionFromRequest?.({ cookie: cookie(dated) })).toEqual({ user: expected, issuedAt: 1_700_000_000 });
    const undated = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(secretBytes);
    expect(await source.sessionFromRequest?.({ cookie: cookie(undated) })).toEqual({ user: expected });
    expect(await source.sessionFromRequest?.({ cookie: 'theme=dark' })).toBeUndefined();
  });

  test('no cookie, or another cookie name, is nobody and logs nothing', async () => {
    expect(await source.fromRequest?.({})).toBeUndefined();
    expect(await source.fromRequest?.({ cookie: 'theme=dark' })).toBeUndefined();
    expect(log.lines).toEqual([]);
  });

  test.each([
    ['wrong issuer', { iss: 'https://evil.example' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['wrong audience', { aud: 'someone-else' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['no exp', { exp: null }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['claims against the contract', { payload: { username: 'bad name!' } }, 'bad_claim:username'],
    ['email_verified missing', { payload: { email_verified: undefined } }, 'missing_claim:email_verified'],
  ])('%s is nobody', async (_label, overrides, problem) => {
    const token = await sign(secretBytes, 'HS256', overrides as Parameters<typeof sign>[2]);
    expect(await source.fromRequest?.({ cookie: cookie(token) })).toBeUndefined();
    expect(JSON.parse(log.lines[0]).problem).toBe(problem);
    expect(log.lines.join()).not.toContain(token);
  });

  test('an expired token is nobody, logged at debug only', async () => {
    const token = await sign(secretBytes, 'HS256', { exp: Math.floor(Date.now() / 1000) - 120 });
    expect(await source.fromRequest?.({ cookie: cookie(token) })).toBeUndefined();
    expect(JSON.parse(log.lines[0])).toMatchObject({ level: 'debug', problem: 'ERR_JWT_EXPIRED' });
  });

  test('an algorithm outside the allow-list (HS512) is nobody', async () => {
    expect(await source.fromRequest?.({ cookie: cookie(await sign(secretBytes, 'HS512')) })).toBeUndefined();
    expect(JSON.parse(log.lines[0]).problem).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  test('alg "none" is nobody', async () => {
    const unsigned = new UnsecuredJWT({ ...claims }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode();
    expect(await source.fromRequest?.({ cookie: cookie(unsigned) })).toBeUndefined();
  });

  test('a tampered payload or a wrong secret is nobody', async () => {
    const [header, , signature] = (await sign(secretBytes, 'HS256')).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, username: 'admin', iss: ISSUER, aud: AUDIENCE, exp: 9999999999 })).toString('base64url');
    expect(await source.fromRequest?.({ cookie: cookie(`${header}.${forged}.${signature}`) })).toBeUndefined();
    const other = new TextEncoder().encode('another-secret-that-is-long-enough!!');
    expect(await source.fromRequest?.({ cookie: cookie(await sign(other, 'HS256')) })).toBeUndefined();
    expect(await source.fromRequest?.({ cookie: 'site_jwt=not.a.jwt' })).toBeUndefined();
  });

  test('fieldMap remaps claims', async () => {
    const mapped = createJwtCookieIdentity(options({ fieldMap: { username: 'preferred_username' } }));
    const token = await sign(secretBytes, 'HS256', { payload: { username: undefined, preferred_username: 'alice' } });
    expect(await mapped.fromRequest?.({ cookie: cookie(token) })).toEqual(expected);
  });
});

describe('jwt-cookie identity source: public keys (EdDSA PEM, ES256 JWK)', () => {
  test('EdDSA with a PEM public key; the public key used as an HS256 secret (alg confusion) is nobody', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const pem = await exportSPKI(publicKey);
    const source = createJwtCookieIdentity(options({ key: pem, algorithms: ['EdDSA'] }));
    expect(await source.fromRequest?.({ cookie: cookie(await sign(privateKey, 'EdDSA')) })).toEqual(expected);
    const confused = await sign(new TextEncoder().encode(pem), 'HS256');
    expect(await source.fromRequest?.({ cookie: cookie(confused) })).toBeUndefined();
  });

  test('ES256 with a JWK public key; a token from another key is nobody', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const source = createJwtCookieIdentity(options({ key: JSON.stringify(await exportJWK(publicKey)), algorithms: ['ES256'] }));
    expect(await source.fromRequest?.({ cookie: cookie(await sign(privateKey, 'ES256')) })).toEqual(expected);
    const stranger = await generateKeyPair('ES256');
    expect(await source.fromRequest?.({ cookie: cookie(await sign(stranger.privateKey, 'ES256')) })).toBeUndefined();
  });
});

describe('jwt-cookie identity source: a local JWKS server', () => {
  let server: Server;
  let jwksUrl: string;
  let es: { publicKey: CryptoKey | KeyObject; privateKey: CryptoKey | KeyObject };
  let ed: { publicKey: CryptoKey | KeyObject; privateKey: CryptoKey | KeyObject };
  let requests = 0;

  beforeAll(async () => {
    es = await generateKeyPair('ES256');
    ed = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const keys = [
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' },
    ];
    server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('ES256 and EdDSA tokens verify against the published keys, fetched once', async () => {
    const source = createJwtCookieIdentity(options({ key: undefined, jwksUrl, algorithms: ['ES256', 'EdDSA'] }));
    const before = requests;
    expect(await source.fromRequest?.({ cookie: cookie(await sign(es.privateKey, 'ES256', { kid: 'es-1' })) })).toEqual(expected);
    expect(await source.fromRequest?.({ cookie: cookie(await sign(ed.privateKey, 'EdDSA', { kid: 'ed-1' })) })).toEqual(expected);
    expect(requests - before).toBe(1);
    expect(await source.ready()).toBe(true);
  });

  test('a key that is not in the set, or an unknown kid, is nobody', async () => {
    const source = createJwtCookieIdentity(options({ key: undefined, jwksUrl, algorithms: ['ES256'] }));
    const stranger = await generateKeyPair('ES256');
    expect(await source.fromRequest?.({ cookie: cookie(await sign(stranger.privateKey, 'ES256', { kid: 'es-1' })) })).toBeUndefined();
    expect(await source.fromRequest?.({ cookie: cookie(await sign(stranger.privateKey, 'ES256', { kid: 'nope' })) })).toBeUndefined();
  });

  test('an allowed algorithm list narrower than the JWKS still rules (EdDSA refused when only ES256)', async () => {
    const source = createJwtCookieIdentity(options({ key: undefined, jwksUrl, algorithms: ['ES256'] }));
    expect(await source.fromRequest?.({ cookie: cookie(await sign(ed.privateKey, 'EdDSA', { kid: 'ed-1' })) })).toBeUndefined();
  });

  test('ready() says so when the JWKS URL does not answer', async () => {
    const source = createJwtCookieIdentity(options({ key: undefined, jwksUrl: 'http://127.0.0.1:1/jwks.json', algorithms: ['ES256'] }));
    await expect(source.ready()).rejects.toThrow(/^JWT_COOKIE_JWKS_URL http:\/\/127\.0\.0\.1:\d+\/\S* is unreachable \(\w+\)$/);
    expect(await source.fromRequest?.({ cookie: cookie(await sign(es.privateKey, 'ES256', { kid: 'es-1' })) })).toBeUndefined();
  });
});

describe('jwt-cookie identity source: configuration refused at start', () => {
  test.each([
    ['no algorithms', { algorithms: [] }, /no algorithms/],
    ['alg none', { algorithms: ['none'] }, /none is not allowed/],
    ['a short secret', { key: 'short' }, /at least 32 bytes/],
    ['a secret with ES256', { algorithms: ['ES256'] }, /only with HS\*/],
    ['neither key nor JWKS', { key: undefined }, /required/],
    ['both key and JWKS', { jwksUrl: 'https://example.com/jwks' }, /not both/],
    ['HS256 with a JWKS', { key: undefined, jwksUrl: 'https://example.com/jwks' }, /cannot be used with a JWKS/],
  ])('%s', (_label, overrides, message) => {
    expect(() => createJwtCookieIdentity(options(overrides as Partial<JwtCookieIdentityOptions>))).toThrow(message);
  });

  test('a private key, or HS256 with a public key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    expect(() => createJwtCookieIdentity(options({ key: 'placeholder', algorithms: ['EdDSA'] }))).toThrow(/only with HS\*/);
    const privatePem = await exportPKCS8(privateKey);
    expect(() => createJwtCookieIdentity(options({ key: privatePem, algorithms: ['EdDSA'] }))).toThrow(/PUBLIC key/);
    const publicPem = await exportSPKI(publicKey);
    expect(() => createJwtCookieIdentity(options({ key: publicPem, algorithms: ['HS256'] }))).toThrow(/shared secret/);
  });
});

describe('readCookie', () => {
  test.each([
    ['a=1; site_jwt=abc; b=2', 'abc'],
    ['site_jwt="abc"', 'abc'],
    ['site_jwt=a%2Eb', 'a.b'],
    ['site_jwt=%E0%A4%A', '%E0%A4%A'],
    ['xsite_jwt=abc', undefined],
    ['site_jwt=first; site_jwt=second', 'first'],
  ])('%s → %s', (header, value) => {
    expect(readCookie(header, 'site_jwt')).toBe(value);
  });
});
