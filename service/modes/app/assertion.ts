/**
 * Signs the login assertion the App verifies (docs/contract.md), with jose.
 *
 * The key is checked against its algorithm when the signer is made, so a wrong key stops the
 * companion at start instead of failing the first login. The App verifies with an algorithm
 * allow-list and a key bound to its type; nothing here loosens that.
 */
import { KeyObject, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AssertionClaims } from '../../../app/contract/claims';
import type { AssertionKey } from '../../config';
import type { SiteUser } from '../../identity/types';

export interface AssertionSigner {
  sign(user: SiteUser): Promise<string>;
}

/** Throws unless `key` is the kind of key `alg` signs with. */
function checkKey({ alg, key }: AssertionKey): void {
  const asymmetric = key instanceof KeyObject && key.type === 'private' ? key : undefined;
  switch (alg) {
    case 'HS256':
      if (!(key instanceof Uint8Array) && !(key instanceof KeyObject && key.type === 'secret')) throw new TypeError('HS256 needs a secret key');
      return;
    case 'EdDSA':
      if (asymmetric?.asymmetricKeyType !== 'ed25519') throw new TypeError('EdDSA needs an Ed25519 private key');
      return;
    case 'ES256':
      if (asymmetric?.asymmetricKeyType !== 'ec' || asymmetric.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new TypeError('ES256 needs a P-256 private key');
      return;
    default:
      throw new TypeError(`unsupported assertion algorithm ${String(alg)}`);
  }
}

export function createAssertionSigner(options: { key: AssertionKey; issuer: string; audience: string; lifetimeSeconds: number; now?: () => number }): AssertionSigner {
  checkKey(options.key);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const { alg, kid, key } = options.key;
  const header = { alg, typ: 'JWT', ...(kid ? { kid } : {}) };
  return {
    async sign(user) {
      const iat = now();
      const claims: Omit<AssertionClaims, 'iss' | 'aud' | 'iat' | 'exp' | 'jti'> = {
        sub: user.sub,
        username: user.username,
        email: user.email,
        email_verified: user.email_verified,
        name: user.name,
        ...(user.roles ? { roles: user.roles } : {}),
        ...(user.avatar_url ? { avatar_url: user.avatar_url } : {}),
      };
      return new SignJWT({ ...claims })
        .setProtectedHeader(header)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.lifetimeSeconds)
        // Single use: the App remembers each jti until it expires.
        .setJti(randomBytes(16).toString('base64url'))
        .sign(key);
    },
  };
}
