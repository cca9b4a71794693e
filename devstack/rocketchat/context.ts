import type { IncomingHttpHeaders } from 'node:http';
import type { Settings } from './settings';
import type { UserStore } from './store';
import type { TwoFactor } from './twoFactor';
import type { LoginToken, StoredUser } from './types';
import type { Reply } from './http';
import type { LoginBlock } from './loginBlock';
import type { RateLimitSettings } from './rateLimit';

export interface CreateTokenConfig {
  mode: '7.x' | '8.x';
  enabled: boolean;
  secret?: string;
}

/** Raises an Apps-Engine event with the Rocket.Chat object it concerns; resolves when the Apps are done. */
export type AppsEventListener = (event: 'IPostUserLoggedOut', user: Record<string, unknown>) => Promise<void>;

export interface ServerState {
  store: UserStore;
  settings: Settings;
  twoFactor: TwoFactor;
  createToken: CreateTokenConfig;
  version: string;
  /** Set at run time, like the Apps hook: the engine usually needs the stand-in's URL first. */
  appsEvents: { listener?: AppsEventListener };
  /** Block_Multiple_Failed_Logins_*. */
  loginBlock: LoginBlock;
  /**
   * How /api/v1/login answers a failure: `detailed` as 6.x–8.x do (error codes, 2FA details), or
   * `unauthorized`, the announced breaking change: 401 `{success: false, error: 'unauthorized'}` for all.
   */
  loginErrors: 'detailed' | 'unauthorized';
}

/** One REST call as a route sees it. */
export interface RouteContext extends ServerState {
  body: Record<string, unknown>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The caller's address, as the rate limiter and the login block count it. */
  ip: string;
  caller?: { user: StoredUser; loginToken: LoginToken; token: string };
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  auth: boolean;
  /** Calls per window when the rate limiter is on, if not the default's. */
  rateLimit?: (settings: RateLimitSettings) => number;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

/** The user as users.info / users.create answer it: no services, ever. */
export function publicUser(user: StoredUser): Record<string, unknown> {
  const { services: _services, ...rest } = user;
  return { ...rest, statusConnection: user.status };
}

/** getFullUserData without view-full-other-user-info: no emails, roles or dates. */
export function limitedUser(user: StoredUser): Record<string, unknown> {
  const { _id, name, username, status, type, active } = user;
  return { _id, name, username, status, type, active };
}

/** findPaginatedUsersByStatus's projection. */
export function listedUser(user: StoredUser): Record<string, unknown> {
  const { _id, name, username, emails, roles, status, active, lastLogin, type } = user;
  return { _id, name, username, emails, roles, status, active, type, ...(lastLogin ? { lastLogin } : {}) };
}
