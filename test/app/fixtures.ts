/**
 * Keys, settings and assertions for the App's tests. Good assertions are signed by `jose`
 * (an independent implementation); hand-made ones use Node's crypto directly so that they
 * can hold what jose refuses to produce (duplicate keys, crit, broken encodings).
 */
import { createHmac, KeyObject, randomUUID, sign as nodeSign } from 'node:crypto';
import * as jose from 'jose';
import type { AssertionClaims } from '../../app/contract/claims';
import { SettingId } from '../../app/settings';

export const ISSUER = 'https://site.example';
export const AUDIENCE = 'rocketchat-iframe-bridge';
export const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  publicJwk: jose.JWK;
}

async function pair(alg: 'EdDSA' | 'ES256', kid?: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await jose.exportJWK(publicKey)), ...(kid ? { kid } : {}) };
  // jose 6 generates WebCrypto keys; the companion's signer and node:crypto's sign take KeyObjects.
  return { privateKey: KeyObject.from(privateKey), publicKey: KeyObject.from(publicKey), publicPem: await jose.exportSPKI(publicKey), publicJwk };
}

export interface TestKeys {
  /** Configured as a JWK without kid: found by its RFC 7638 thumbprint, or by trying. */
  ed: KeyPair;
  /** JWK with kid "ed-2026" (the key being rotated in). */
  edNext: KeyPair;
  /** JWK with kid "ec-1". */
  ec: KeyPair;
  /** Never configured. */
  other: { ed: KeyPair; ec: KeyPair };
}

export async function makeKeys(): Promise<TestKeys> {
  return {
    ed: await pair('EdDSA'),
    edNext: await pair('EdDSA', 'ed-2026'),
    ec: await pair('ES256', 'ec-1'),
    other: { ed: await pair('EdDSA'), ec: await pair('ES256') },
  };
}

export function publicKeysSetting(keys: TestKeys): string {
  return JSON.stringify([keys.ed.publicJwk, keys.edNext.publicJwk, keys.ec.publicJwk]);
}

export function verificationSettings(keys: TestKeys, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    [SettingId.AssertionSecret]: SECRET,
    [SettingId.AssertionPublicKeys]: publicKeysSetting(keys),
    [SettingId.AssertionIssuer]: ISSUER,
    [SettingId.AssertionAudience]: AUDIENCE,
    ...extra,
  };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function claimsFor(username: string, overrides: Partial<Record<keyof AssertionClaims, unknown>> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `site-${username}`,
    iat: now,
    exp: now + 30,
    jti: randomUUID(),
    username,
    email: `${username}@corp.example`,
    email_verified: true,
    name: `${username[0]!.toUpperCase()}${username.slice(1)} Example`,
    ...overrides,
  };
}

export type Signer = { alg: 'HS256' } | { alg: 'EdDSA' | 'ES256'; key: KeyPair; kid?: string };

export async function signWithJose(claims: Record<string, unknown>, signer: Signer, header: Record<string, unknown> = {}): Promise<string> {
  const jwt = new jose.SignJWT(claims as jose.JWTPayload).setProtectedHeader({
    alg: signer.alg,
    typ: 'JWT',
    ...(signer.alg !== 'HS256' && signer.kid ? { kid: signer.kid } : {}),
    ...header,
  } as jose.JWTHeaderParameters);
  return jwt.sign(signer.alg === 'HS256' ? new TextEncoder().encode(SECRET) : signer.key.privateKey);
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

export type RawSigner = { alg: 'HS256'; secret: string | Uint8Array } | { alg: 'EdDSA' | 'ES256'; key: KeyObject };

/** Signs exactly the header and payload texts given, bypassing every check a library would make. */
export function signRaw(headerText: string, payloadText: string, signer: RawSigner): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  const data = new TextEncoder().encode(input);
  let signature: Buffer;
  if (signer.alg === 'HS256') signature = createHmac('sha256', signer.secret).update(input).digest();
  else if (signer.alg === 'EdDSA') signature = nodeSign(null, data, signer.key);
  else signature = nodeSign('sha256', data, { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
