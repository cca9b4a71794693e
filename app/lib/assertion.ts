/**
 * From the received string to trusted claims: signature, claim rules (shared with the
 * companion through the contract), then single use of the `jti`.
 */
import { AssertionClaims, checkClaims } from '../contract/claims';
import type { VerificationConfig } from './config';
import { InvalidAssertion } from './errors';
import { verifyCompactJws } from './jws/verify';
import { ReplayCache } from './store/replayCache';
import type { Storage } from './store/records';

export function verifyAssertion(token: string, config: VerificationConfig, now: number): AssertionClaims {
  const payload = verifyCompactJws(token, { keys: config.keys, algorithms: config.algorithms });
  const checked = checkClaims(payload, {
    issuer: config.issuer,
    audience: config.audience,
    maxLifetimeSeconds: config.maxLifetimeSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    now,
  });
  if (checked.ok === false) throw new InvalidAssertion(checked.reason, checked.detail);
  return checked.claims;
}

/** Spends verified claims' `jti`: a second use is refused. */
export async function spendJti(claims: AssertionClaims, config: VerificationConfig, replay: ReplayCache, storage: Storage, now: number): Promise<void> {
  const firstUse = await replay.claim(storage, claims.iss, claims.jti, claims.exp + config.clockSkewSeconds, now);
  if (!firstUse) throw new InvalidAssertion('replayed', 'jti');
}

/** Verifies and then spends the assertion. */
export async function acceptAssertion(token: string, config: VerificationConfig, replay: ReplayCache, storage: Storage, now: number): Promise<AssertionClaims> {
  const claims = verifyAssertion(token, config, now);
  await spendJti(claims, config, replay, storage, now);
  return claims;
}
