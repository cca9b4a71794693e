/** The configuration the companion runs on, as the areas (config/areas, modes/<mode>/config.ts) build it. */
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../../app/contract/claims';
import type { Overrides } from '../i18n/overrides';
import type { FieldMap } from '../identity/site-user';
import type { SocialConfig } from '../social/types';
import type { BudgetSettings } from '../modes/password/budget';
import type { Env } from './schema';

export type { FieldMap };

export interface AssertionKey {
  alg: Algorithm;
  key: KeyObject | Uint8Array;
  kid?: string;
}

export type TrustProxy = boolean | string | ((address: string, hop: number) => boolean);

export type TokenMode = 'app' | 'mongo' | 'password';
export type IdentitySourceName = 'local' | 'forward' | 'jwt-cookie' | 'rocketchat';

export interface Config {
  env: Env;
  rocketChatUrl: string;
  rocketChatOrigin: string;
  publicUrl: URL;
  publicOrigin: string;
  port: number;
  host: string;
  trustProxy: TrustProxy;
  logLevel: string;
  /** When set, `/metrics` answers only `Authorization: Bearer <it>`. */
  metricsToken?: string;
  tokenMode: TokenMode;
  app?: { loginUrl: string; logoutUrl: string; statusUrl: string; timeoutMs: number };
  assertion: { issuer: string; audience: string; lifetimeSeconds: number; key?: AssertionKey };
  /** Back-channel logout; absent when BACKCHANNEL_SECRET is unset. */
  backchannel?: { secret: Uint8Array; appIssuer: string; siteIssuer?: string; audience: string };
  session: { secret: string; ttlSeconds: number; sameSite: 'none' | 'lax'; partitioned: boolean };
  identitySource: IdentitySourceName;
  localUsersFile: string;
  password?: { restUrl: string; timeoutMs: number; register: boolean; recheckSeconds: number; accountLoginsPerMinute: number; budget: BudgetSettings; blockMinutes: number; expectedUsers: number };
  siteLoginUrl?: string;
  mongo?: { url: string; autoCreateUsers: boolean; defaultRoles: string[]; matchByVerifiedEmail: boolean };
  forward?: { url: string; timeoutMs: number; cacheSeconds: number; fieldMap: FieldMap };
  jwtCookie?: { cookieName: string; jwksUrl?: string; key?: string; issuer: string; audience: string; algorithms: string[]; fieldMap: FieldMap };
  limits: { loginPerMinute: number; apiPerMinute: number; apiMintsPerUserPerMinute: number; lockoutThreshold: number; lockoutBaseSeconds: number; lockoutMaxSeconds: number };
  branding: { title: string; logoUrl?: string; primaryColor: string; text: string };
  i18n: { defaultLanguage: string; overrides: Overrides };
  /** Social sign-in; absent when SOCIAL_PROVIDERS is empty. */
  social?: SocialConfig;
}

/** What every area validator reads: the typed variables, whether one was given, and the deployment. */
export interface AreaInput {
  env: Env;
  has(name: keyof Env): boolean;
  production: boolean;
}

/** One area's verdict: its problems (each naming its variable) and, when it has none, its value. */
export interface Checked<T> {
  problems: string[];
  value: T;
}
