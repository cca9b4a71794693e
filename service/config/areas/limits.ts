/** Abuse limits: per-IP rates and the per-account lockout (counted by all replicas together when MONGODB_URL is set). */
import { Int } from '../fields';
import type { AreaInput, Checked, Config } from '../types';

export const limitFields = {
  LOGIN_RATE_LIMIT_PER_MINUTE: Int(1, 100_000, 20, 'Per IP and minute, each on its own count: POSTs of each login form, `POST /logout`, and signed-in loads of the login page (a new Rocket.Chat token each). With MONGODB_URL, counted over all replicas together'),
  API_RATE_LIMIT_PER_MINUTE: Int(0, 1_000_000_000, 120, 'API URL calls per IP and minute that mint a new Rocket.Chat login (answers from the session\'s held login are never counted), and back-channel logout notices per IP and minute; 0: no per-IP limit (a proxy limits instead)'),
  API_MINTS_PER_USER_PER_MINUTE: Int(0, 1_000_000_000, 10, 'New Rocket.Chat logins the API URL mints per user (session `sub`) and minute; 0: no per-user limit'),
  LOCKOUT_THRESHOLD: Int(1, 1000, 5, 'Failed logins of one account (any spelling) before it is locked; checks still running count too. With MONGODB_URL, counted over all replicas together'),
  LOCKOUT_BASE_SECONDS: Int(1, 86_400, 30, 'First lockout; doubles with each further failure'),
  LOCKOUT_MAX_SECONDS: Int(1, 86_400, 900, 'Longest lockout; a lock always expires'),
} as const;

export function checkLimits({ env }: AreaInput): Checked<Config['limits']> {
  const problems = env.LOCKOUT_BASE_SECONDS > env.LOCKOUT_MAX_SECONDS ? ['LOCKOUT_BASE_SECONDS must not exceed LOCKOUT_MAX_SECONDS'] : [];
  return {
    problems,
    value: {
      loginPerMinute: env.LOGIN_RATE_LIMIT_PER_MINUTE,
      apiPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
      apiMintsPerUserPerMinute: env.API_MINTS_PER_USER_PER_MINUTE,
      lockoutThreshold: env.LOCKOUT_THRESHOLD,
      lockoutBaseSeconds: env.LOCKOUT_BASE_SECONDS,
      lockoutMaxSeconds: env.LOCKOUT_MAX_SECONDS,
    },
  };
}
