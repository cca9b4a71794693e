/**
 * One request's accessors, and the services a use case builds from them: the REST client with
 * the App's admin credentials, the engine's user reader and the identity links.
 */
import type { IHttp, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { SettingId } from '../settings';
import type { AppConfig, LoadedConfig } from './config';
import { NotConfigured } from './errors';
import { Provisioner } from './provisioning';
import { LogSink, RocketChatClient } from './rocketchat/client';
import { UserDirectory } from './rocketchat/directory';
import { UsersApi } from './rocketchat/users';
import { IdentityLinks } from './store/identityLinks';
import type { LinkCache } from './store/linkCache';
import type { Storage } from './store/records';

export interface RequestContext {
  read: IRead;
  http: IHttp;
  storage: Storage;
  log: LogSink;
  /** Seconds since the epoch. */
  now: number;
}

export function requireConfigured(loaded: LoadedConfig): AppConfig {
  if (loaded.missing.length > 0) throw new NotConfigured(loaded.missing);
  return loaded.config;
}

/** `rc_rest_url`, else the Site URL Rocket.Chat knows itself by. */
export async function restBaseUrl(config: AppConfig, read: IRead): Promise<string> {
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
export function readers(config: AppConfig, context: RequestContext, linkCache?: LinkCache) {
  return { directory: new UserDirectory(context.read.getUserReader()), links: new IdentityLinks(context.storage, config.verification.issuer, linkCache) };
}

export function restUsers(config: AppConfig, context: RequestContext, baseUrl: string): UsersApi {
  const connection = { baseUrl, adminUserId: config.access.adminUserId, adminToken: config.access.adminToken, timeoutMs: config.access.timeoutMs };
  return new UsersApi(new RocketChatClient(context.http, connection, context.log));
}

export async function services(config: AppConfig, context: RequestContext, linkCache?: LinkCache) {
  const users = restUsers(config, context, await restBaseUrl(config, context.read));
  const { directory, links } = readers(config, context, linkCache);
  return { users, provisioner: new Provisioner(users, directory, links, config.provisioning) };
}

