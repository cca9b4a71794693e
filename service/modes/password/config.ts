/** Password mode's slice of the environment: where Rocket.Chat's REST API is, and how the companion uses it. */
import { Choice, Int, Text } from '../../config/fields';
import { parseUrl, urlProblem } from '../../config/parse';
import type { AreaInput, Checked, Config } from '../../config/types';

export const passwordModeFields = {
  ROCKETCHAT_REST_URL: Text("Password mode: base URL of Rocket.Chat's REST API as the companion reaches it (default: ROCKETCHAT_URL)"),
  ROCKETCHAT_TIMEOUT_MS: Int(100, 60000, 5000, 'Password mode: timeout of each REST call to Rocket.Chat'),
  PASSWORD_MODE_REGISTER: Choice(['off', 'register'], 'off', "Password mode: `register` creates missing accounts with `users.register` (needs Rocket.Chat's public registration form)"),
  PASSWORD_MODE_RECHECK_SECONDS: Int(0, 86_400, 300, 'Password mode: age of a held token after which the API URL asks `/api/v1/me` before handing it out'),
  PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE: Int(1, 9, 5, "Password mode: calls to Rocket.Chat's login per account per minute (below its 10 per IP)"),
  // Rocket.Chat's limits count per address, and all of the companion's calls come from one: these say what it allows.
  PASSWORD_MODE_RC_CALLS: Int(1, 100_000, 10, "Password mode: calls per route and window Rocket.Chat allows this service's address (its API_Enable_Rate_Limiter_Limit_Calls_Default)"),
  PASSWORD_MODE_RC_WINDOW_SECONDS: Int(1, 86_400, 60, "Password mode: Rocket.Chat's rate limit window in seconds (its API_Enable_Rate_Limiter_Limit_Time_Default / 1000)"),
  PASSWORD_MODE_RC_REGISTER_PER_MINUTE: Int(1, 100_000, 1, 'Password mode: users.register calls a minute Rocket.Chat allows (its Rate_Limiter_Limit_RegisterUser)'),
  PASSWORD_MODE_RC_BLOCK_MINUTES: Int(1, 1440, 5, "Password mode: minutes Rocket.Chat's brute-force block lasts (its Block_Multiple_Failed_Logins_Time_To_Unblock_By_*_In_Minutes)"),
  PASSWORD_MODE_CLIENT_SHARE_PERCENT: Int(1, 100, 30, "Password mode: share of each Rocket.Chat route's calls one client address may spend on failed logins"),
  PASSWORD_MODE_EXPECTED_USERS: Int(0, 10_000_000, 0, 'Password mode: users who may sign in within one busy minute; `npm run doctor` warns when Rocket.Chat allows fewer calls (0: no check)'),
} as const;

export function checkPasswordMode({ env }: AreaInput, rocketChat: URL | undefined): Checked<Config['password']> {
  const problems = urlProblem('ROCKETCHAT_REST_URL', env.ROCKETCHAT_REST_URL);
  const restUrl = parseUrl(env.ROCKETCHAT_REST_URL) ?? rocketChat;
  if (env.TOKEN_MODE !== 'password' || !restUrl) return { problems, value: undefined };
  return {
    problems,
    value: {
      restUrl: restUrl.toString().replace(/\/$/, ''),
      timeoutMs: env.ROCKETCHAT_TIMEOUT_MS,
      register: env.PASSWORD_MODE_REGISTER === 'register',
      recheckSeconds: env.PASSWORD_MODE_RECHECK_SECONDS,
      accountLoginsPerMinute: env.PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE,
      budget: {
        calls: env.PASSWORD_MODE_RC_CALLS,
        windowSeconds: env.PASSWORD_MODE_RC_WINDOW_SECONDS,
        registerPerMinute: env.PASSWORD_MODE_RC_REGISTER_PER_MINUTE,
        clientSharePercent: env.PASSWORD_MODE_CLIENT_SHARE_PERCENT,
        accountCalls: Math.min(env.PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE, env.PASSWORD_MODE_RC_CALLS),
        // A short wait for a free call beats a refusal; a longer one is the user's to decide.
        maxWaitSeconds: 5,
      },
      blockMinutes: env.PASSWORD_MODE_RC_BLOCK_MINUTES,
      expectedUsers: env.PASSWORD_MODE_EXPECTED_USERS,
    },
  };
}
