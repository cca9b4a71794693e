/**
 * HS256 compact JWS signing with Node's crypto only, the counterpart of verify.ts for the
 * one message the App itself issues (the back-channel logout token). Same base64url code.
 */
import { createHmac } from 'crypto';
import { encodeBase64url, view } from './base64url';

export function signHs256(header: Record<string, unknown>, payload: object, secret: Buffer): string {
  const encode = (value: object): string => encodeBase64url(Buffer.from(JSON.stringify(value), 'utf8'));
  const signingInput = `${encode({ ...header, alg: 'HS256' })}.${encode(payload)}`;
  return `${signingInput}.${encodeBase64url(createHmac('sha256', view(secret)).update(signingInput).digest())}`;
}
