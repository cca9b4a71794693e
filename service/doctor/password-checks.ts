/**
 * Password mode: is Rocket.Chat's per-address budget big enough for the users expected? Rocket.Chat
 * does not publish its rate limiter or brute-force settings (settings.public leaves them out), so
 * this goes by what the operator configured (PASSWORD_MODE_RC_*), which should mirror them.
 */
import { pass, skip, warn, type Check } from './types';

export const passwordBudgetCheck: Check = async ({ config }) => {
  const title = "Rocket.Chat's limits fit the expected sign-ins (password mode)";
  const password = config.password;
  if (!password) return skip(title, 'not in password mode');
  const expected = password.expectedUsers;
  if (!expected) return skip(title, 'PASSWORD_MODE_EXPECTED_USERS is not set');
  // Each sign-in is one login call, two with a code; all of them come from this service's one address.
  const { calls, windowSeconds } = password.budget;
  const perMinute = Math.floor((calls * 60) / windowSeconds);
  const detail = `${expected} users signing in within a minute need about ${expected}–${expected * 2} login calls; Rocket.Chat allows this service ${perMinute} a minute (PASSWORD_MODE_RC_CALLS=${calls} per ${windowSeconds} s)`;
  if (perMinute >= expected * 2) return pass(title, detail);
  return warn(
    title,
    detail,
    'raise API_Enable_Rate_Limiter_Limit_Calls_Default in Rocket.Chat (Rate Limiter) and PASSWORD_MODE_RC_CALLS to match, and whitelist this service in Block_Multiple_Failed_Logins_Ip_Whitelist (docs/password-mode.md)',
  );
};
