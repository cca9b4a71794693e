/**
 * What `status` and the settings page's status line say, from the same facts: the setting ids
 * the App still misses, the companion's reachability, the last login and the counts since start.
 * Built from ids, reason codes, counts and a time only, so it can never carry a secret.
 */
import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { restBaseUrl } from '../request';
import type { LoadedConfig } from '../config';
import { NotConfigured } from '../errors';
import type { LoginCounts } from './stats';

export type CompanionReachability = 'reachable' | 'unreachable' | 'not set';

export interface StatusFacts {
  missing: string[];
  companion: CompanionReachability;
  lastLoginAt: string | null;
  counts: LoginCounts;
}

/** How many rejection reasons the line names; the rest are summed as "other". */
export const TOP_REASONS = 3;

/** The configuration's missing ids, plus `rc_rest_url` when neither it nor a usable Site_Url gives the REST base. */
export async function missingSettings(loaded: LoadedConfig, read: IRead): Promise<string[]> {
  const all = [...loaded.missing];
  try {
    await restBaseUrl(loaded.config, read);
  } catch (error) {
    if (!(error instanceof NotConfigured)) throw error;
    all.push(...error.missing.filter((id) => !all.includes(id)));
  }
  return all;
}

/** `2026-11-26T01:42Z`: UTC, to the minute. */
export function utcMinute(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16)}Z`;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * One short line, e.g. `configured · companion reachable · last login 2026-11-26T01:42Z ·
 * since start: 12 logins, 3 rejections (expired 2, replayed 1)`.
 */
export function statusLine(facts: StatusFacts): string {
  const configuration = facts.missing.length === 0 ? 'configured' : `missing: ${facts.missing.join(', ')}`;
  const companion = `companion ${facts.companion}`;
  const lastLogin = facts.lastLoginAt ? `last login ${utcMinute(facts.lastLoginAt)}` : 'no login yet';
  const reasons = Object.entries(facts.counts.rejections).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const rejected = reasons.reduce((sum, [, count]) => sum + count, 0);
  const named = reasons.slice(0, TOP_REASONS).map(([reason, count]) => `${reason} ${count}`);
  const others = reasons.slice(TOP_REASONS).reduce((sum, [, count]) => sum + count, 0);
  if (others > 0) named.push(`other ${others}`);
  const counts = `since start: ${plural(facts.counts.logins, 'login')}, ${plural(rejected, 'rejection')}${named.length > 0 ? ` (${named.join(', ')})` : ''}`;
  return [configuration, companion, lastLogin, counts].join(' · ');
}
