/**
 * What a login and a logout do, in order, given the accessors of one request. The
 * endpoints only parse the request and turn the outcome into a reply.
 */
import type { IHttp, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { LoginReply } from '../contract/replies';
import { SettingId } from '../settings';
import { acceptAssertion } from './assertion';
import type { BridgeConfig, LoadedConfig } from './config';
import { NotConfigured } from './errors';
import { Provisioner } from './provisioning';
import { LogSink, RocketChatClient } from './rocketchat/client';
import { UsersApi } from './rocketchat/users';
import { IdentityLinks } from './store/identityLinks';
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

async function services(config: BridgeConfig, context: RequestContext) {
  const client = new RocketChatClient(
    context.http,
    { baseUrl: await restBaseUrl(config, context.read), adminUserId: config.access.adminUserId, adminToken: config.access.adminToken, timeoutMs: config.access.timeoutMs },
    context.log,
  );
  const users = new UsersApi(client);
  const links = new IdentityLinks(context.storage, config.verification.issuer);
  return { users, provisioner: new Provisioner(users, links, config.provisioning) };
}

export async function login(assertion: string, config: BridgeConfig, replay: ReplayCache, context: RequestContext): Promise<LoginReply> {
  // Services first: a missing REST URL is a 503 that must not spend the assertion's jti.
  const { users, provisioner } = await services(config, context);
  const claims = await acceptAssertion(assertion, config.verification, replay, context.storage, context.now);
  const { user, created } = await provisioner.provision(claims);
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
