/** Who signs and who is addressed: the assertion's issuer, audience and lifetime (the key is app mode's). */
import { DEFAULT_MAX_LIFETIME_SECONDS } from '../../../app/contract/claims';
import { Int, Text } from '../fields';
import type { AreaInput } from '../types';

export const assertionFields = {
  ASSERTION_ISSUER: Text("`iss` of the assertions, equal to the App's `assertion_issuer` (default: the origin of PUBLIC_URL). In mongo mode it also names the site in the links written on accounts: keep it stable"),
  ASSERTION_AUDIENCE: Text("`aud` of the assertions, equal to the App's `assertion_audience` (default: the origin of ROCKETCHAT_URL)"),
  ASSERTION_LIFETIME_SECONDS: Int(5, DEFAULT_MAX_LIFETIME_SECONDS, 30, 'Lifetime of each assertion'),
} as const;

export interface AssertionNames {
  issuer: string;
  audience: string;
  lifetimeSeconds: number;
}

export function assertionNames({ env }: AreaInput, rocketChatOrigin: string, publicOrigin: string): AssertionNames {
  return { issuer: env.ASSERTION_ISSUER ?? publicOrigin, audience: env.ASSERTION_AUDIENCE ?? rocketChatOrigin, lifetimeSeconds: env.ASSERTION_LIFETIME_SECONDS };
}
