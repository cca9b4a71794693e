/**
 * Signs the login assertion the App verifies (DESIGN.md, "The assertion"): a compact JWS.
 *
 * A login without a held token signs one per request, so everything that does not change per
 * assertion is done once: the key is checked against its algorithm, the protected header is
 * encoded, the signing function chosen. Per assertion there remain the claims, one signature
 * over `header.payload` with node:crypto, and 16 random bytes for the `jti` (from a pool,
 * ./random.ts). The App verifies with an algorithm allow-list and a key bound to its type;
 * nothing here loosens that.
 */
import { createHmac, KeyObject, sign as signWithKey } from 'node:crypto';
import type { AssertionClaims } from '../../app/contract/claims';
import type { AssertionKey } from '../config';
import type { SiteUser } from '../identity/types';
import { randomId } from './random';

export interface AssertionSigner {
  sign(user: SiteUser): Promise<string>;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const utf8 = new TextEncoder();

/** The signature function for the key, after checking the key is of the kind `alg` needs. */
function signerFor({ alg, key }: AssertionKey): (input: string) => string {
  const asymmetric = key instanceof KeyObject && key.type === 'private' ? key : undefined;
  switch (alg) {
    case 'HS256': {
      if (!(key instanceof Uint8Array) && !(key instanceof KeyObject && key.type === 'secret')) throw new TypeError('HS256 needs a secret key');
      return (input) => createHmac('sha256', key).update(input).digest('base64url');
    }
    case 'EdDSA': {
      if (asymmetric?.asymmetricKeyType !== 'ed25519') throw new TypeError('EdDSA needs an Ed25519 private key');
      return (input) => signWithKey(null, utf8.encode(input), asymmetric).toString('base64url');
    }
    case 'ES256': {
      if (asymmetric?.asymmetricKeyType !== 'ec' || asymmetric.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new TypeError('ES256 needs a P-256 private key');
      // JWS wants r‖s (IEEE P1363), not DER.
      return (input) => signWithKey('sha256', utf8.encode(input), { key: asymmetric, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    }
    default:
      throw new TypeError(`unsupported assertion algorithm ${String(alg)}`);
  }
}

export function createAssertionSigner(options: { key: AssertionKey; issuer: string; audience: string; lifetimeSeconds: number; now?: () => number }): AssertionSigner {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const { alg, kid } = options.key;
  const header = encode({ alg, typ: 'JWT', ...(kid ? { kid } : {}) });
  const signature = signerFor(options.key);
  return {
    async sign(user) {
      const iat = now();
      const claims: AssertionClaims = {
        sub: user.sub,
        username: user.username,
        email: user.email,
        email_verified: user.email_verified,
        name: user.name,
        ...(user.roles ? { roles: user.roles } : {}),
        ...(user.avatar_url ? { avatar_url: user.avatar_url } : {}),
        iss: options.issuer,
        aud: options.audience,
        iat,
        exp: iat + options.lifetimeSeconds,
        // Single use: the App remembers each jti until it expires.
        jti: randomId(),
      };
      const input = `${header}.${encode(claims)}`;
      return `${input}.${signature(input)}`;
    },
  };
}
