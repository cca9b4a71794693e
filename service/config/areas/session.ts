/** The companion's own sessions: the secret their keys derive from, their lifetime, their cookie. */
import { Type } from '@sinclair/typebox';
import { Bool, Int } from '../fields';
import { sameSite, secretProblem } from '../parse';
import type { AreaInput, Checked, Config } from '../types';

export const sessionFields = {
  SESSION_SECRET: Type.String({ description: 'Random, at least 32 characters (`openssl rand -base64 32`). Session and CSRF keys are derived from it; share it between replicas. Anyone who knows it can forge a session for any user.' }),
  SESSION_TTL_SECONDS: Int(60, 31_536_000, 28_800, 'Lifetime of a session'),
  COOKIE_PARTITIONED: Bool('Add `Partitioned` (CHIPS) to the cookies, for browsers that block third-party cookies', false),
} as const;

export function checkSession({ env, has }: AreaInput, rocketChat: URL | undefined, publicUrl: URL | undefined): Checked<Config['session']> {
  const problems: string[] = [];
  const weak = has('SESSION_SECRET') ? secretProblem('SESSION_SECRET', env.SESSION_SECRET, 'characters') : undefined;
  if (weak) problems.push(weak);
  // ASSERTION_SECRET and BACKCHANNEL_SECRET are also kept in the App's settings, which Rocket.Chat's
  // admins can read: the session secret must be none of them, or they could forge sessions.
  for (const other of ['ASSERTION_SECRET', 'BACKCHANNEL_SECRET'] as const) {
    if (has('SESSION_SECRET') && env[other] !== undefined && env[other] === env.SESSION_SECRET) problems.push(`SESSION_SECRET must differ from ${other} (generate each with: openssl rand -base64 32)`);
  }
  return {
    problems,
    value: {
      secret: env.SESSION_SECRET,
      ttlSeconds: env.SESSION_TTL_SECONDS,
      sameSite: rocketChat && publicUrl && sameSite(rocketChat, publicUrl) ? 'lax' : 'none',
      partitioned: env.COOKIE_PARTITIONED === 'true',
    },
  };
}
