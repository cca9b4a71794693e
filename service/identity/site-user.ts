/**
 * Turning what a site says about its user (a JSON reply, JWT claims) into a SiteUser, for the
 * `forward` and `jwt-cookie` sources: remap field names, then apply the contract's own rules.
 */
import { checkClaims } from '../../app/contract/claims';
import type { SiteUser } from './types';

/** SiteUser field → where it is in the site's data, e.g. `{sub: 'id', email: 'profile.mail'}`. */
export type FieldMap = Partial<Record<keyof SiteUser, string>>;

/** What the identity sources log through; pino's logger fits. Only codes, never values. */
export interface IdentityLog {
  warn(details: Record<string, unknown>, message: string): void;
  debug?(details: Record<string, unknown>, message: string): void;
}

export type SiteUserResult = { ok: true; user: SiteUser } | { ok: false; problem: string };

/** Every SiteUser field, in claim order: what a field map may name (the configuration checks it). */
export const SITE_USER_FIELDS: readonly (keyof SiteUser)[] = ['sub', 'username', 'email', 'email_verified', 'name', 'roles', 'avatar_url'];

/** Dotted paths reach into nested replies (`user.email`); only own properties count. */
function read(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function siteUserFrom(data: unknown, fieldMap: FieldMap): SiteUserResult {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, problem: 'malformed:not_an_object' };
  const picked: Record<string, unknown> = {};
  for (const field of SITE_USER_FIELDS) {
    let value = read(data, fieldMap[field] ?? field);
    // Many sites number their users; the contract's `sub` is a string.
    if (field === 'sub' && typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
    if (value !== undefined) picked[field] = value;
  }
  // The App applies exactly these rules to the assertion the companion signs for this user, so
  // they are run here through the contract's own check (with placeholder envelope claims) rather
  // than written twice: a user the App would refuse is nobody here already.
  const now = Math.floor(Date.now() / 1000);
  const envelope = { iss: 'site', aud: 'site', jti: 'site', iat: now, exp: now + 1 };
  const check = checkClaims({ ...picked, ...envelope }, { issuer: 'site', audience: 'site', maxLifetimeSeconds: 60, clockSkewSeconds: 0, now });
  if (!check.ok) return { ok: false, problem: `${check.reason}:${check.detail}` };
  const user: SiteUser = {
    sub: picked.sub as string,
    username: picked.username as string,
    email: picked.email as string,
    email_verified: picked.email_verified as boolean,
    name: picked.name as string,
  };
  if (picked.roles !== undefined) user.roles = [...(picked.roles as string[])];
  if (picked.avatar_url !== undefined) user.avatar_url = picked.avatar_url as string;
  return { ok: true, user };
}
