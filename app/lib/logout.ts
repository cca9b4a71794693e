/** What a logout does: accept the assertion (spending its `jti`), find the user, end their Rocket.Chat logins. */
import { acceptAssertion } from './assertion';
import type { AppConfig } from './config';
import { services, type RequestContext } from './request';
import type { ReplayCache } from './store/replayCache';

/** Revokes every Rocket.Chat login of the assertion's user; a user never seen has none. */
export async function logout(assertion: string, config: AppConfig, replay: ReplayCache, context: RequestContext): Promise<void> {
  const { users, provisioner } = await services(config, context);
  const claims = await acceptAssertion(assertion, config.verification, replay, context.storage, context.now);
  const user = await provisioner.findForLogout(claims);
  if (user) await users.logout(user._id);
}
