/**
 * What a login and a logout do, in order, given the accessors of one request. The
 * endpoints only parse the request and turn the outcome into a reply.
 */
import type { IHttp, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { AssertionClaims } from '../contract/claims';
import type { LoginReply } from '../contract/replies';
import { SettingId } from '../settings';
import { acceptAssertion, spendJti, verifyAssertion } from './assertion';
import type { BridgeConfig, LoadedConfig, ProvisioningConfig } from './config';
import { NotConfigured } from './errors';
import { checkPolicy, Provisioner } from './provisioning';
import { LogSink, RocketChatClient } from './rocketchat/client';
import { UserDirectory } from './rocketchat/directory';
import { UsersApi } from './rocketchat/users';
import { IdentityLinks } from './store/identityLinks';
import type { LinkCache } from './store/linkCache';
import type { Storage } from './store/records';
import { ReplayCache } from './store/replayCache';

export interface RequestContext {
  read: IRead;
  http: IHttp;
  storage: Storage;
  log: LogSink;
  /** Seconds since the epoch. */
  now: number;
}

function passesPolicy(claims: AssertionClaims, policy: ProvisioningConfig): boolean {
  try {
    checkPolicy(claims, policy);
    return true;
  } catch {
    return false; // provision() throws the same refusal once the jti is spent
  }
}

export function requireConfigured(loaded: LoadedConfig): BridgeConfig {
  if (loaded.missing.length > 0) throw new NotConfigured(loaded.missing);
  return loaded.config;
}

/** `rc_rest_url`, else the Site URL Rocket.Chat knows itself by. */
export async function restBaseUrl(config: BridgeConfig, read: IRead): Promise<string> {
  if (config.access.restUrl) return config.access.restUrl;
  let siteUrl: unknown;
  try {
    siteUrl = await read.getEnvironmentReader().getServerSettings().getValueById('Site_Url');
  } catch {
    siteUrl = undefined;
  }
  if (typeof siteUrl !== 'string' || !/^https?:\/\//.test(siteUrl)) throw new NotConfigured([SettingId.RcRestUrl]);
  return siteUrl.replace(/\/+$/, '');
}

async function services(config: BridgeConfig, context: RequestContext, linkCache?: LinkCache) {
  const client = new RocketChatClient(
    context.http,
    { baseUrl: await restBaseUrl(config, context.read), adminUserId: config.access.adminUserId, adminToken: config.access.adminToken, timeoutMs: config.access.timeoutMs },
    context.log,
  );
  const users = new UsersApi(client);
  const directory = new UserDirectory(context.read.getUserReader());
  const links = new IdentityLinks(context.storage, config.verification.issuer, linkCache);
  return { users, provisioner: new Provisioner(users, directory, links, config.provisioning) };
}

/** The App's process-wide state a login uses: single-use jti, and links remembered. */
export interface LoginMemory {
  replay: ReplayCache;
  links: LinkCache;
}

export async function login(assertion: string, config: BridgeConfig, memory: LoginMemory, context: RequestContext): Promise<LoginReply> {
  // Services first: a missing REST URL is a 503 that must not spend the assertion's jti.
  const { users, provisioner } = await services(config, context, memory.links);
  const claims = verifyAssertion(assertion, config.verification, context.now);
  // Each engine call is a round trip to Rocket.Chat: the linked user is looked up (reads
  // only) while the jti is spent. A policy refusal looks nothing up, as before.
  const spending = spendJti(claims, config.verification, memory.replay, context.storage, context.now);
  const looking = passesPolicy(claims, config.provisioning) ? provisioner.lookupLinked(claims.sub) : Promise.resolve(undefined);
  const [spent, looked] = await Promise.allSettled([spending, looking]);
  // A replay is refused as a replay even when the lookup failed too.
  if (spent.status === 'rejected') throw spent.reason;
  if (looked.status === 'rejected') throw looked.reason;
  const { user, created } = await provisioner.provision(claims, looked.value);
  const loginToken = await users.createToken(user._id, config.access.createTokenSecret);
  return { loginToken, userId: user._id, username: user.username, created };
}

/** Revokes every Rocket.Chat login of the assertion's user; a user never seen has none. */
export async function logout(assertion: string, config: BridgeConfig, replay: ReplayCache, context: RequestContext): Promise<void> {
  const { users, provisioner } = await services(config, context);
  const claims = await acceptAssertion(assertion, config.verification, replay, context.storage, context.now);
  const user = await provisioner.findForLogout(claims);
  if (user) await users.logout(user._id);
}
