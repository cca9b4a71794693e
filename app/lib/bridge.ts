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
import { checkPolicy, lookupLinked, Provisioner } from './provisioning';
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

/** What reads users and links: no REST, so usable before the REST URL is known. */
function readers(config: BridgeConfig, context: RequestContext, linkCache?: LinkCache) {
  return { directory: new UserDirectory(context.read.getUserReader()), links: new IdentityLinks(context.storage, config.verification.issuer, linkCache) };
}

function restUsers(config: BridgeConfig, context: RequestContext, baseUrl: string): UsersApi {
  const connection = { baseUrl, adminUserId: config.access.adminUserId, adminToken: config.access.adminToken, timeoutMs: config.access.timeoutMs };
  return new UsersApi(new RocketChatClient(context.http, connection, context.log));
}

async function services(config: BridgeConfig, context: RequestContext, linkCache?: LinkCache) {
  const users = restUsers(config, context, await restBaseUrl(config, context.read));
  const { directory, links } = readers(config, context, linkCache);
  return { users, provisioner: new Provisioner(users, directory, links, config.provisioning) };
}

const ignore = (): undefined => undefined;

/** The App's process-wide state a login uses: single-use jti, and links remembered. */
export interface LoginMemory {
  replay: ReplayCache;
  links: LinkCache;
}

export async function login(assertion: string, config: BridgeConfig, memory: LoginMemory, context: RequestContext): Promise<LoginReply> {
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

/** Revokes every Rocket.Chat login of the assertion's user; a user never seen has none. */
export async function logout(assertion: string, config: BridgeConfig, replay: ReplayCache, context: RequestContext): Promise<void> {
  const { users, provisioner } = await services(config, context);
  const claims = await acceptAssertion(assertion, config.verification, replay, context.storage, context.now);
  const user = await provisioner.findForLogout(claims);
  if (user) await users.logout(user._id);
}
