/**
 * The App's endpoints outside the engine: the real endpoint classes and lib/, with the
 * accessor doubles from test/support/app (real HTTP to the Rocket.Chat stand-in).
 */
import type { IModify, IRead, IUserRead } from '@rocket.chat/apps-engine/definition/accessors';
import { RequestMethod } from '@rocket.chat/apps-engine/definition/accessors';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { UserStatusConnection, UserType } from '@rocket.chat/apps-engine/definition/users';
import type { IApiEndpointInfo, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import type { IApp } from '@rocket.chat/apps-engine/definition/IApp';
import type { EndpointHost } from '../../app/endpoints/host';
import { LoginEndpoint } from '../../app/endpoints/login';
import { LogoutEndpoint } from '../../app/endpoints/logout';
import { StatusEndpoint } from '../../app/endpoints/status';
import { CompanionProbe } from '../../app/lib/companion/probe';
import { loadConfig } from '../../app/lib/config';
import { LoginStats } from '../../app/lib/status/stats';
import { LinkCache } from '../../app/lib/store/linkCache';
import { ReplayCache } from '../../app/lib/store/replayCache';
import { SettingId } from '../../app/settings';
import { fakeRead, FetchHttp, MemoryLogger, MemoryPersistence } from '../support/app/accessors';
import { toAppUser } from '../../devstack/engine/bridges/user-converter';
import type { RocketChatStandIn } from '../../devstack/rocketchat';
import { verificationSettings, type TestKeys } from './fixtures';

export interface Endpoints {
  login(content: unknown): Promise<IApiResponse>;
  logout(content: unknown): Promise<IApiResponse>;
  status(): Promise<IApiResponse>;
  settings: Record<string, unknown>;
  persistence: MemoryPersistence;
  logger: MemoryLogger;
  http: FetchHttp;
  stats: LoginStats;
  /** Every user-reader call, `id:<userId>` or `name:<username>`, in order. */
  userReads: string[];
}

/**
 * The user reader as Rocket.Chat serves it (AppUserBridge): the stand-in's own records, found
 * by exact id or EXACT username, converted as Rocket.Chat's users converter does; unknown →
 * undefined. Without a stand-in, nobody is known. `fail` makes every read throw.
 */
export function standInUserReader(rc: RocketChatStandIn | undefined, reads: string[] = [], fail?: () => Error | undefined): IUserRead {
  const find = (match: (user: { _id: string; username: string }) => boolean): IUser | undefined => {
    const error = fail?.();
    if (error) throw error;
    const record = rc?.users().find(match);
    return record ? toAppUser(record, { UserType, UserStatusConnection }) : undefined;
  };
  const reader = {
    getById: async (id: string) => (reads.push(`id:${id}`), find((user) => user._id === id)),
    getByUsername: async (username: string) => (reads.push(`name:${username}`), find((user) => user.username === username)),
  };
  // Only the two lookups are used by the App; the rest of IUserRead stays unimplemented on purpose.
  return reader as unknown as IUserRead;
}

export function withUserReader(read: IRead, users: IUserRead): IRead {
  return Object.assign(Object.create(read) as IRead, { getUserReader: () => users });
}

const endpointInfo: IApiEndpointInfo = { basePath: '/api/apps/public/x', fullPath: '/api/apps/public/x', appId: 'c05f5a38-8065-4942-ad11-c3c5f198b01a' };
const app = {} as IApp; // ApiEndpoint only keeps the reference
const modify = {} as IModify; // the endpoints never modify through accessors

export function accessSettings(rc: RocketChatStandIn): Record<string, unknown> {
  return { [SettingId.RcAdminUserId]: rc.admin.userId, [SettingId.RcAdminToken]: rc.admin.token, [SettingId.RcRestUrl]: rc.url };
}

export function makeEndpoints(rc: RocketChatStandIn | undefined, keys: TestKeys, overrides: Record<string, unknown> = {}, persistence = new MemoryPersistence(), readerFault?: () => Error | undefined): Endpoints {
  const settings: Record<string, unknown> = { ...verificationSettings(keys), ...(rc ? accessSettings(rc) : {}), ...overrides };
  const logger = new MemoryLogger();
  const http = new FetchHttp();
  const stats = new LoginStats();
  const host: EndpointHost = {
    // Re-read on every call, so a test may change `settings` between requests.
    configuration: async () => loadConfig(new Map(Object.entries(settings))),
    replay: new ReplayCache(),
    links: new LinkCache(),
    log: logger.asLogger(),
    version: '0.1.0',
    pageStatus: { stats, probe: new CompanionProbe(), during: (work) => work() },
    wiringState: async () => ({ state: 'off' }),
  };
  const userReads: string[] = [];
  const users = standInUserReader(rc, userReads, readerFault);
  const read = () => withUserReader(fakeRead({ settings, serverSettings: rc ? { Site_Url: rc.url } : {}, persistence }), users);
  const request = (method: RequestMethod, content: unknown) => ({ method, headers: {}, query: {}, params: {}, content });
  return {
    settings,
    persistence,
    logger,
    http,
    stats,
    userReads,
    login: (content) => new LoginEndpoint(app, host).post(request(RequestMethod.POST, content), endpointInfo, read(), modify, http, persistence),
    logout: (content) => new LogoutEndpoint(app, host).post(request(RequestMethod.POST, content), endpointInfo, read(), modify, http, persistence),
    status: () => new StatusEndpoint(app, host).get(request(RequestMethod.GET, undefined), endpointInfo, read(), modify, http, persistence),
  };
}

/** GET /api/v1/me with a login token: proves the token is a real Rocket.Chat login. */
export async function whoAmI(rc: RocketChatStandIn, userId: string, token: string): Promise<{ status: number; username?: string }> {
  const response = await fetch(`${rc.url}/api/v1/me`, { headers: { 'X-User-Id': userId, 'X-Auth-Token': token } });
  const body = (await response.json()) as { username?: string };
  return { status: response.status, username: body.username };
}
