/**
 * Rocket.Chat stand-in: REST API, App endpoint hook and web client page on one real socket,
 * following docs/rocketchat.md. Used by tests, benches and `npm run demo` — one module, no copies.
 *
 *   const rc = await startRocketChat({ createToken: { mode: '8.x', secret: 's3cret' } });
 *   rc.url                      origin, no trailing slash (default host 127.0.0.1, random port)
 *   rc.admin                    { userId, username, token, password }: token is a personal access token
 *                               (bypassTwoFactor) of a user holding create-user, edit-other-user-info,
 *                               user-generate-access-token, logout-other-user, api-bypass-rate-limit...;
 *                               the password is for /api/v1/login tests (a resume token from it is NOT 2FA-exempt)
 *   rc.createUser({ username, email, name?, password?, verified?, roles?, active?, twoFactor? })
 *                               roles default ['user'] (no admin permission); twoFactor: { email?: true,
 *                               totpSecret?: base32 } turns on 2FA for /api/v1/login
 *   rc.findUser({ username | userId | email }), rc.users()
 *   rc.resumeTokenCount(userId) resume tokens held (personal access tokens not counted; cap 50)
 *   rc.issueResumeToken(userId) a fresh resume token, as a login would create
 *   rc.setIframeToken(userId, token)  services.iframe.token, for the `{iframe: true, token}` login
 *   rc.setIframe({ enabled?, url?, apiUrl?, apiMethod?, sendContentType? })  the four Accounts_Iframe*
 *                               settings (+ the 7.x Content-Type variant), live for the next page load
 *   rc.setSetting(id, value)    any other public setting (Accounts_RegistrationForm, Iframe_Restrict_Access...)
 *   await rc.faults.set({ down?, delayMs?, status?, malformed?, paths? }) / await rc.faults.clear()
 *                               down closes the port (connection refused) unless `paths` narrows it
 *   rc.requests                 [{ method, path, userId?, status, origin? }]: no query strings, bodies or tokens
 *   rc.mail                     emailed 2FA codes [{ to, subject, code }]
 *   rc.setApps(hook)            plug the Apps-Engine host in after start (it usually needs rc.url first)
 *   rc.setAppsEvents(listener)  where Apps events go: the web client's logoutCleanUp raises IPostUserLoggedOut
 *   rc.resetRateLimit(), rc.resetLoginBlock()
 *   await rc.close()
 *
 * Options: createToken { mode: '7.x', enabled } (CREATE_TOKENS_FOR_USERS) or { mode: '8.x', secret }
 * (CREATE_TOKENS_FOR_USERS_SECRET), default 7.x enabled; registration (public form, default false);
 * rateLimit (10 calls / 60 s per IP+route, users.register 1; true or { calls, windowMs, registerCalls }; default false);
 * loginBlock (Block_Multiple_Failed_Logins_*: 10 per username, 50 per IP, 5 minutes; default on, false turns it off);
 * loginErrors ('unauthorized': the announced bare 401 for every failed login); iframe (initial settings);
 * apps(req, res) → true when it answered: every /api/apps/* request goes there first;
 * loginExpirationDays (Accounts_LoginExpiration, default 90).
 * The web client page is GET / (or /home); its events are on window.__rc.events.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppsEventListener, CreateTokenConfig, ServerState } from './context';
import { LOGIN_BLOCK_DEFAULTS, LoginBlock, type LoginBlockSettings } from './loginBlock';
import { RATE_LIMIT_DEFAULTS, type RateLimitSettings } from './rateLimit';
import { StandInServer } from './server';
import { Settings } from './settings';
import { UserStore } from './store';
import { TwoFactor } from './twoFactor';
import type { FaultSettings, IframeSettings, NewUser, RequestRecord, SentMail, StoredUser } from './types';

export type { FaultSettings, IframeSettings, NewUser, RequestRecord, SentMail, StoredUser } from './types';
export { totpCode } from './twoFactor';
export { hashLoginToken, passwordDigest } from './ids';

const ADMIN_PASSWORD = 'admin-password';

export interface RocketChatOptions {
  port?: number;
  host?: string;
  createToken?: { mode: '7.x'; enabled: boolean } | { mode: '8.x'; secret: string };
  registration?: boolean;
  /** true: Rocket.Chat's defaults (RATE_LIMIT_DEFAULTS); an object changes some of them. */
  rateLimit?: boolean | Partial<RateLimitSettings>;
  /** Block_Multiple_Failed_Logins_*: on with Rocket.Chat's defaults unless changed or `false`. */
  loginBlock?: boolean | Partial<LoginBlockSettings>;
  /** `unauthorized`: the announced breaking change, every failed login answers 401 {success: false, error: 'unauthorized'}. */
  loginErrors?: 'detailed' | 'unauthorized';
  iframe?: Partial<IframeSettings>;
  apps?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  loginExpirationDays?: number;
  /** The array behind the `users` collection (share it with a MongoDB wire stand-in). */
  usersCollection?: StoredUser[];
}

export interface RocketChatStandIn {
  url: string;
  admin: { userId: string; username: string; token: string; password: string };
  createUser(u: NewUser): StoredUser;
  findUser(by: { username?: string; userId?: string; email?: string }): StoredUser | undefined;
  users(): StoredUser[];
  resumeTokenCount(userId: string): number;
  issueResumeToken(userId: string): string;
  setIframeToken(userId: string, token: string): void;
  setIframe(settings: Partial<IframeSettings>): void;
  setSetting(id: string, value: unknown): void;
  faults: { set(f: FaultSettings): Promise<void>; clear(): Promise<void> };
  requests: RequestRecord[];
  mail: SentMail[];
  setApps(hook: RocketChatOptions['apps']): void;
  /** Where Rocket.Chat's Apps events go (logoutCleanUp raises IPostUserLoggedOut); none by default. */
  setAppsEvents(listener: AppsEventListener | undefined): void;
  resetRateLimit(): void;
  /** Forgets the failed logins the brute-force block counts. */
  resetLoginBlock(): void;
  close(): Promise<void>;
}

function createTokenConfig(option: RocketChatOptions['createToken']): CreateTokenConfig {
  if (!option) return { mode: '7.x', enabled: true };
  return option.mode === '7.x' ? { mode: '7.x', enabled: option.enabled } : { mode: '8.x', enabled: true, secret: option.secret };
}

export async function startRocketChat(options: RocketChatOptions = {}): Promise<RocketChatStandIn> {
  const host = options.host ?? '127.0.0.1';
  const store = new UserStore(options.loginExpirationDays ?? 90, options.usersCollection);
  const createToken = createTokenConfig(options.createToken);
  const settings = new Settings('', options.iframe ?? {}, options.registration ?? false);
  const twoFactor = new TwoFactor();
  const appsEvents: ServerState['appsEvents'] = {};
  const blockOption = options.loginBlock ?? true;
  const loginBlock = new LoginBlock({ ...LOGIN_BLOCK_DEFAULTS, ...(typeof blockOption === 'object' ? blockOption : { enabled: blockOption }) });
  const loginErrors = options.loginErrors ?? 'detailed';
  const state: ServerState = { store, settings, twoFactor, createToken, version: createToken.mode === '8.x' ? '8.0.0' : '7.10.0', appsEvents, loginBlock, loginErrors };
  const rateLimitSettings = { ...RATE_LIMIT_DEFAULTS, ...(typeof options.rateLimit === 'object' ? options.rateLimit : {}) };
  const serverOptions = { rateLimit: !!options.rateLimit, rateLimitSettings, apps: options.apps };
  const server = new StandInServer(state, serverOptions);
  const address = await server.listen(options.port ?? 0, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  settings.set('Site_Url', url);

  // An old account, so Rocket.Chat's "just registered" 2FA grace does not hide 2FA checks.
  const adminUser = store.create({ username: 'admin', email: 'admin@rocket.chat.test', name: 'Administrator', password: ADMIN_PASSWORD, verified: true, roles: ['admin', 'user'], createdAt: new Date('2024-01-01T00:00:00Z') });
  const admin = { userId: adminUser._id, username: adminUser.username, token: store.issuePersonalAccessToken(adminUser, 'iframe-auth-bridge', true), password: ADMIN_PASSWORD };

  const mustFind = (userId: string): StoredUser => {
    const user = store.byUserId(userId);
    if (!user) throw new Error(`No user ${userId}`);
    return user;
  };

  return {
    url,
    admin,
    createUser: (u) => store.create(u),
    findUser: (by) => store.find(by),
    users: () => store.all(),
    resumeTokenCount: (userId) => store.resumeTokens(mustFind(userId)).length,
    issueResumeToken: (userId) => store.issueResumeToken(mustFind(userId)),
    setIframeToken: (userId, token) => {
      mustFind(userId).services.iframe = { token };
    },
    setIframe: (s) => settings.setIframe(s),
    setSetting: (id, value) => settings.set(id, value),
    faults: {
      async set(f) {
        server.faults.current = { ...f };
        await server.setDown(!!f.down && !f.paths);
      },
      async clear() {
        server.faults.current = {};
        await server.setDown(false);
      },
    },
    requests: server.requests,
    mail: twoFactor.outbox,
    setApps: (hook) => {
      serverOptions.apps = hook;
    },
    setAppsEvents: (listener) => {
      appsEvents.listener = listener;
    },
    resetRateLimit: () => server.rateLimiter.reset(),
    resetLoginBlock: () => loginBlock.reset(),
    close: () => server.close(),
  };
}
