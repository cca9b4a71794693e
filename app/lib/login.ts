/**
 * What a login does, in order: verify the assertion, spend its single-use `jti` (while the
 * linked user is looked up), find or create the user by policy, mint a Rocket.Chat login token.
 * The endpoint only parses the request and turns the outcome into a reply.
 */
import type { AssertionClaims } from '../contract/claims';
import type { LoginReply } from '../contract/replies';
import { spendJti, verifyAssertion } from './assertion';
import type { AppConfig, ProvisioningConfig } from './config';
import { checkPolicy, lookupLinked, Provisioner } from './provisioning';
import { readers, restBaseUrl, restUsers, type RequestContext } from './request';
import type { LinkCache } from './store/linkCache';
import type { ReplayCache } from './store/replayCache';

function passesPolicy(claims: AssertionClaims, policy: ProvisioningConfig): boolean {
  try {
    checkPolicy(claims, policy);
    return true;
  } catch {
    return false; // provision() throws the same refusal once the jti is spent
  }
}

const ignore = (): undefined => undefined;

/** The App's process-wide state a login uses: single-use jti, and links remembered. */
export interface LoginMemory {
  replay: ReplayCache;
  links: LinkCache;
}

export async function login(assertion: string, config: AppConfig, memory: LoginMemory, context: RequestContext): Promise<LoginReply> {
  // Each engine call is a round trip to Rocket.Chat. The REST URL (a Site_Url read unless
  // rc_rest_url is set) is read while the assertion is verified and the linked user looked
  // up, none of which spends anything; it is known before the jti is spent: a missing one is
  // a 503 that leaves the assertion usable, and wins over a 401, as when it was read first.
  const baseUrl = restBaseUrl(config, context.read);
  baseUrl.catch(ignore); // awaited on every path below
  let claims: AssertionClaims;
  try {
    claims = verifyAssertion(assertion, config.verification, context.now);
  } catch (error) {
    await baseUrl;
    throw error;
  }
  // The linked user is looked up (reads only) while the jti is spent. A policy refusal looks nothing up.
  const { directory, links } = readers(config, context, memory.links);
  const looking = passesPolicy(claims, config.provisioning) ? lookupLinked(links, directory, claims.sub) : Promise.resolve(undefined);
  looking.catch(ignore); // settled below, or dropped with the 503
  const users = restUsers(config, context, await baseUrl);
  const provisioner = new Provisioner(users, directory, links, config.provisioning);
  const spending = spendJti(claims, config.verification, memory.replay, context.storage, context.now);
  const [spent, looked] = await Promise.allSettled([spending, looking]);
  // A replay is refused as a replay even when the lookup failed too.
  if (spent.status === 'rejected') throw spent.reason;
  if (looked.status === 'rejected') throw looked.reason;
  const { user, created } = await provisioner.provision(claims, looked.value);
  const loginToken = await users.createToken(user._id, config.access.createTokenSecret);
  return { loginToken, userId: user._id, username: user.username, created };
}

