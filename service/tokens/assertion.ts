/** Signs the login assertion the App verifies (DESIGN.md, "The assertion"). */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AssertionClaims } from '../../app/contract/claims';
import type { AssertionKey } from '../config';
import type { SiteUser } from '../identity/types';

export interface AssertionSigner {
  sign(user: SiteUser): Promise<string>;
}

export function createAssertionSigner(options: { key: AssertionKey; issuer: string; audience: string; lifetimeSeconds: number; now?: () => number }): AssertionSigner {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
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
        .setProtectedHeader({ alg: options.key.alg, typ: 'JWT', ...(options.key.kid ? { kid: options.key.kid } : {}) })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.lifetimeSeconds)
        // Single use: the App remembers each jti until it expires.
        .setJti(randomBytes(16).toString('base64url'))
        .sign(options.key.key);
    },
  };
}
