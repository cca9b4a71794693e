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
    },
  };
}
