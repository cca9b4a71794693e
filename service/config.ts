/**
 * The companion's configuration: read from the environment once at start, validated by a
 * TypeBox schema plus the rules that span several variables. Every problem is collected so
 * an operator fixes them all in one go; the start is refused with one message naming each.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_MAX_LIFETIME_SECONDS, type Algorithm } from '../app/contract/claims';
import { isPlaceholderSecret, PLACEHOLDER_WHY, SECRET_HINT, SECRET_MIN_BYTES, secretWeakness } from '../app/contract/secrets';
import { shippedLanguages } from './i18n/catalogue';
import { loadOverrides, type Overrides } from './i18n/overrides';
import type { SiteUser } from './identity/types';
import type { BudgetSettings } from './tokens/rocketchat-budget';
import { socialConfig } from './social/config';
import type { SocialConfig } from './social/types';

const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);
const Int = (minimum: number, maximum: number, fallback: number, description: string) =>
  Type.Integer({ minimum, maximum, default: fallback, description });
const Text = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

/** The raw variables, as strings or coerced numbers; the order here is the order in .env.example. */
export const EnvSchema = Type.Object({
  ROCKETCHAT_URL: Type.String({ description: 'Public URL of Rocket.Chat; its origin is the only one allowed by CORS, postMessage and frame-ancestors' }),
  PUBLIC_URL: Type.String({ description: 'Public base URL of this companion' }),
  PORT: Int(1, 65535, 3000, 'Port to listen on'),
  HOST: Type.String({ default: '0.0.0.0', description: 'Address to listen on' }),
  TRUST_PROXY: Type.String({ default: 'false', description: 'Fastify trustProxy: true, false, a hop count or a list of addresses' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  METRICS_TOKEN: Type.Optional(Type.String({ description: 'When set, GET /metrics wants Authorization: Bearer <it>' })),
  TOKEN_MODE: Type.Union([Type.Literal('app'), Type.Literal('mongo'), Type.Literal('password')], { default: 'app' }),
  APP_LOGIN_URL: Text("Full URL of the App's login endpoint"),
  APP_LOGOUT_URL: Text("Full URL of the App's logout endpoint (default: APP_LOGIN_URL ending in /logout)"),
  APP_STATUS_URL: Text("Full URL of the App's status endpoint (default: APP_LOGIN_URL ending in /status)"),
  APP_TIMEOUT_MS: Int(100, 60000, 3000, 'Timeout of each call to the App'),
  ASSERTION_ISSUER: Text('iss of the assertions (default: the origin of PUBLIC_URL)'),
  ASSERTION_AUDIENCE: Text('aud of the assertions (default: the origin of ROCKETCHAT_URL)'),
  ASSERTION_PRIVATE_KEY: Text('PKCS#8 PEM private key (Ed25519 → EdDSA, P-256 → ES256)'),
  ASSERTION_SECRET: Text('HS256 shared secret, at least 32 bytes'),
  ASSERTION_KEY_ID: Text('kid header of the assertions'),
  ASSERTION_LIFETIME_SECONDS: Int(5, DEFAULT_MAX_LIFETIME_SECONDS, 30, 'Lifetime of each assertion'),
  BACKCHANNEL_SECRET: Text('HS256 secret of back-channel logout tokens, at least 32 bytes; unset turns POST /backchannel/logout off'),
  BACKCHANNEL_ISSUER: Text("iss of the App's logout tokens (default: ASSERTION_AUDIENCE, the App's assertion_audience)"),
  BACKCHANNEL_SITE_ISSUER: Text("iss of the site backend's logout tokens; those also end the user's Rocket.Chat logins"),
  ROCKETCHAT_REST_URL: Text("Base URL the companion calls Rocket.Chat's REST API on in password mode (default: ROCKETCHAT_URL)"),
  ROCKETCHAT_TIMEOUT_MS: Int(100, 60000, 5000, 'Timeout of each REST call to Rocket.Chat in password mode'),
  PASSWORD_MODE_REGISTER: Type.Union([Type.Literal('off'), Type.Literal('register')], { default: 'off' }),
  PASSWORD_MODE_RECHECK_SECONDS: Int(0, 86_400, 300, 'Age of a held token after which the API URL asks /api/v1/me before handing it out'),
  PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE: Int(1, 9, 5, "Calls to Rocket.Chat's login per account per minute (below its 10 per IP)"),
  // Rocket.Chat's limits count per address, and all of the companion's calls come from one: these say what it allows.
  PASSWORD_MODE_RC_CALLS: Int(1, 100_000, 10, "Calls per route and window Rocket.Chat allows this service's address (API_Enable_Rate_Limiter_Limit_Calls_Default)"),
  PASSWORD_MODE_RC_WINDOW_SECONDS: Int(1, 86_400, 60, "Rocket.Chat's rate limit window in seconds (API_Enable_Rate_Limiter_Limit_Time_Default / 1000)"),
  PASSWORD_MODE_RC_REGISTER_PER_MINUTE: Int(1, 100_000, 1, 'users.register calls a minute Rocket.Chat allows (Rate_Limiter_Limit_RegisterUser)'),
  PASSWORD_MODE_RC_BLOCK_MINUTES: Int(1, 1440, 5, "Minutes Rocket.Chat's brute-force block lasts (Block_Multiple_Failed_Logins_Time_To_Unblock_By_*_In_Minutes)"),
  PASSWORD_MODE_CLIENT_SHARE_PERCENT: Int(1, 100, 30, "Share of each Rocket.Chat route's calls one client address may spend on failed logins"),
  PASSWORD_MODE_EXPECTED_USERS: Int(0, 10_000_000, 0, 'Users who may sign in within one busy minute; npm run doctor warns when Rocket.Chat allows fewer calls (0: no check)'),
  SESSION_SECRET: Type.String({ description: 'Secret the session cookie key is derived from, at least 32 characters' }),
  SESSION_TTL_SECONDS: Int(60, 31_536_000, 28_800, 'Lifetime of a session'),
  COOKIE_PARTITIONED: Type.Optional(Bool),
  IDENTITY_SOURCE: Type.Union([Type.Literal('local'), Type.Literal('forward'), Type.Literal('jwt-cookie'), Type.Literal('rocketchat')], { default: 'local' }),
  LOCAL_USERS_FILE: Type.String({ default: './data/users.json' }),
  SITE_LOGIN_URL: Text('Where the login page sends users when the site itself logs them in (forward, jwt-cookie)'),
  MONGODB_URL: Text("Rocket.Chat's MongoDB (token mode mongo) and the store of local users and logouts"),
  MONGO_AUTO_CREATE_USERS: Type.Optional(Bool),
  MONGO_DEFAULT_ROLES: Type.String({ default: 'user' }),
  FORWARD_AUTH_URL: Text('URL the forward source calls with the browser Cookie and Authorization headers'),
  FORWARD_AUTH_TIMEOUT_MS: Int(100, 60000, 2000, 'Timeout of the forward call'),
  FORWARD_AUTH_CACHE_SECONDS: Int(0, 3600, 10, 'How long a forward answer is reused'),
  FORWARD_FIELD_MAP: Type.String({ default: '' }),
  JWT_COOKIE_NAME: Text('Name of the site cookie holding a JWT'),
  JWT_COOKIE_JWKS_URL: Text('JWKS URL to verify the cookie'),
  JWT_COOKIE_KEY: Text('PEM public key or shared secret to verify the cookie'),
  JWT_COOKIE_ISSUER: Text('Expected iss of the cookie'),
  JWT_COOKIE_AUDIENCE: Text('Expected aud of the cookie'),
  JWT_COOKIE_ALGORITHMS: Type.String({ default: 'RS256,ES256,EdDSA' }),
  JWT_COOKIE_FIELD_MAP: Type.String({ default: '' }),
  LOGIN_RATE_LIMIT_PER_MINUTE: Int(1, 100_000, 20, 'POST /login attempts per IP per minute'),
  API_RATE_LIMIT_PER_MINUTE: Int(1, 1_000_000, 120, 'API URL calls per IP per minute'),
  LOCKOUT_THRESHOLD: Int(1, 1000, 5, 'Failed logins of one account before it is locked'),
  LOCKOUT_BASE_SECONDS: Int(1, 86_400, 30, 'First lockout; doubles with each further failure'),
  LOCKOUT_MAX_SECONDS: Int(1, 86_400, 900, 'Longest lockout'),
  BRANDING_TITLE: Type.String({ default: 'Sign in to chat', maxLength: 120 }),
  BRANDING_LOGO_URL: Text('https URL of a logo shown on the login page'),
  BRANDING_PRIMARY_COLOR: Type.String({ default: '#156ff5' }),
  BRANDING_TEXT: Type.String({ default: '', maxLength: 1000 }),
  DEFAULT_LANGUAGE: Type.String({ default: 'en', description: 'Language of the pages when neither lang= nor Accept-Language names a known one' }),
  MESSAGES_DIR: Text('Directory of <lang>.json files whose strings replace the shipped ones'),
  SOCIAL_PROVIDERS: Type.String({ default: '', description: 'Comma list of facebook, google, twitter; empty turns social sign-in off' }),
  SOCIAL_REPLY_TIMEOUT_MS: Int(500, 120_000, 5000, "How long the login page waits for Rocket.Chat's reply to call-*-login"),
  SOCIAL_VERIFY_TIMEOUT_MS: Int(100, 60_000, 5000, "Timeout of each call to a provider's verification endpoint"),
  SOCIAL_AUTO_CREATE: Type.Optional(Bool),
  SOCIAL_LINKS_FILE: Text('File of provider account → local user links (default: social-links.json beside LOCAL_USERS_FILE)'),
  FACEBOOK_APP_ID: Text('Facebook app id'),
  FACEBOOK_APP_SECRET: Text('Facebook app secret (the app token is id|secret)'),
  FACEBOOK_DEBUG_TOKEN_URL: Type.String({ default: 'https://graph.facebook.com/debug_token' }),
  FACEBOOK_ME_URL: Type.String({ default: 'https://graph.facebook.com/me' }),
  GOOGLE_CLIENT_ID: Text('Google OAuth client id the tokens must be issued to'),
  GOOGLE_TOKENINFO_URL: Type.String({ default: 'https://oauth2.googleapis.com/tokeninfo' }),
  TWITTER_CONSUMER_KEY: Text('Twitter consumer (API) key'),
  TWITTER_CONSUMER_SECRET: Text('Twitter consumer (API) secret'),
  TWITTER_VERIFY_CREDENTIALS_URL: Type.String({ default: 'https://api.twitter.com/1.1/account/verify_credentials.json?include_email=true' }),
});
export type Env = Static<typeof EnvSchema>;

export interface AssertionKey {
  alg: Algorithm;
  key: KeyObject | Uint8Array;
  kid?: string;
}

export type FieldMap = Partial<Record<keyof SiteUser, string>>;

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
  tokenMode: 'app' | 'mongo' | 'password';
  app?: { loginUrl: string; logoutUrl: string; statusUrl: string; timeoutMs: number };
  assertion: { issuer: string; audience: string; lifetimeSeconds: number; key?: AssertionKey };
  /** Back-channel logout (issue 8); absent when BACKCHANNEL_SECRET is unset. */
  backchannel?: { secret: Uint8Array; appIssuer: string; siteIssuer?: string; audience: string };
  session: { secret: string; ttlSeconds: number; sameSite: 'none' | 'lax'; partitioned: boolean };
  identitySource: 'local' | 'forward' | 'jwt-cookie' | 'rocketchat';
  localUsersFile: string;
  password?: { restUrl: string; timeoutMs: number; register: boolean; recheckSeconds: number; accountLoginsPerMinute: number; budget: BudgetSettings; blockMinutes: number; expectedUsers: number };
  siteLoginUrl?: string;
  mongo?: { url: string; autoCreateUsers: boolean; defaultRoles: string[] };
  forward?: { url: string; timeoutMs: number; cacheSeconds: number; fieldMap: FieldMap };
  jwtCookie?: { cookieName: string; jwksUrl?: string; key?: string; issuer: string; audience: string; algorithms: string[]; fieldMap: FieldMap };
  limits: { loginPerMinute: number; apiPerMinute: number; lockoutThreshold: number; lockoutBaseSeconds: number; lockoutMaxSeconds: number };
  branding: { title: string; logoUrl?: string; primaryColor: string; text: string };
  i18n: { defaultLanguage: string; overrides: Overrides };
  /** Social sign-in (issue 7); absent when SOCIAL_PROVIDERS is empty. */
  social?: SocialConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const SITE_USER_FIELDS: readonly (keyof SiteUser)[] = ['sub', 'username', 'email', 'email_verified', 'name', 'roles', 'avatar_url'];
const COLOR_PATTERN = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
/** Secrets the provider issues (its format, not ours): only a placeholder is refused. */
const PROVIDER_SECRETS = ['FACEBOOK_APP_SECRET', 'TWITTER_CONSUMER_SECRET'] as const;

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A shared secret we rely on (SESSION_SECRET, ASSERTION_SECRET, BACKCHANNEL_SECRET, a shared-secret
 * JWT_COOKIE_KEY): long enough, no placeholder, enough variety (app/contract/secrets.ts, the rule
 * the App applies too). The problem names the variable and how to make one, never the value.
 */
function secretProblem(name: string, value: string, unit: 'bytes' | 'characters' = 'bytes'): string | undefined {
  const length = unit === 'bytes' ? new TextEncoder().encode(value).length : value.length;
  if (length < SECRET_MIN_BYTES) return `${name} must be at least ${SECRET_MIN_BYTES} ${unit}; ${SECRET_HINT}`;
  const weakness = secretWeakness(value);
  return weakness ? `${name} ${weakness}; ${SECRET_HINT}` : undefined;
}

/** localhost, 127.0.0.0/8 and ::1, as the WHATWG URL parser writes them (127.1 is 127.0.0.1). */
function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

/**
 * ROCKETCHAT_URL and PUBLIC_URL become exact origins (CORS, postMessage targetOrigin, CSP
 * frame-ancestors, the CSRF Origin check): a `*` would turn frame-ancestors into a wildcard, so it
 * is refused anywhere in the value. In production (NODE_ENV=production) both must be https, except
 * on a loopback host (a proxy on the same machine, local trials).
 */
function originProblems(name: 'ROCKETCHAT_URL' | 'PUBLIC_URL', raw: string | undefined, url: URL | undefined, production: boolean): string[] {
  if (raw === undefined) return [];
  if (raw.includes('*')) return [`${name} must not contain * (it must name one exact origin, such as https://chat.example.com)`];
  if (!url) return [`${name} must be an http(s) URL such as https://${name === 'PUBLIC_URL' ? 'auth' : 'chat'}.example.com`];
  if (production && url.protocol !== 'https:' && !isLoopback(url)) {
    return [`${name} must be an https URL when NODE_ENV=production (http is allowed only for localhost, 127.0.0.0/8 and ::1)`];
  }
  return [];
}

/** `sub=id,email=mail`: our claim name = the field name in the site's JSON. */
export function parseFieldMap(raw: string): FieldMap | string {
  const map: FieldMap = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [claim, field, extra] = pair.split('=').map((p) => p.trim());
    if (!claim || !field || extra !== undefined) return `"${pair}" is not claim=field`;
    if (!SITE_USER_FIELDS.includes(claim as keyof SiteUser)) return `"${claim}" is not one of ${SITE_USER_FIELDS.join(', ')}`;
    map[claim as keyof SiteUser] = field;
  }
  return map;
}

/** Operators paste PEM keys into one-line env files with literal `\n`. */
function pem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

/** The key's own type fixes the algorithm, so a key can never be used with the wrong one. */
function importPrivateKey(value: string): { alg: Algorithm; key: KeyObject } | string {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem(value));
  } catch {
    return 'is not a readable PEM private key';
  }
  if (key.asymmetricKeyType === 'ed25519') return { alg: 'EdDSA', key };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { alg: 'ES256', key };
  return `is a ${key.asymmetricKeyType ?? 'unknown'} key; use Ed25519 (EdDSA) or P-256 (ES256)`;
}

/** Second-level labels that are public under a two-letter country code (co.uk, com.au, ac.jp, …). */
const COUNTRY_SECOND_LEVELS = new Set(['ac', 'co', 'com', 'edu', 'gob', 'go', 'gov', 'ltd', 'mil', 'ne', 'net', 'nom', 'or', 'org', 'plc', 'sch']);
/** Hosting suffixes where every tenant (name.github.io) is its own site. */
const HOSTING_SUFFIXES = new Set(['github.io', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev']);

/**
 * Schemeful same-site, without a public-suffix list: the site is the scheme and the last two host
 * labels, or the last three when the last two are a known public suffix (COUNTRY_SECOND_LEVELS under
 * a two-letter TLD, HOSTING_SUFFIXES). The session cookie is SameSite=Lax on the same site and None
 * across sites. A wrong "same" would be Lax across sites: the framed login page would never get its
 * cookie and the login would fail (not unsafely). A wrong "different" only drops SameSite's own
 * defence, which the CSRF tokens and Origin checks already give. So a listed suffix is read as
 * public even where a registrant owns that name (co.de): "different", the harmless direction.
 * Public suffixes not listed (me.uk, id.au, azurewebsites.net, …) are still read as one site: the
 * case left to err the other way, costing a broken cross-site login, never a weaker one.
 */
export function sameSite(a: URL, b: URL): boolean {
  const site = (url: URL) => {
    const host = url.hostname;
    const isIp = /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
    if (isIp) return `${url.protocol}//${host}`;
    const labels = host.split('.');
    const [second, top] = labels.slice(-2);
    const publicSuffix = HOSTING_SUFFIXES.has(`${second}.${top}`) || (/^[a-z]{2}$/.test(top ?? '') && COUNTRY_SECOND_LEVELS.has(second ?? ''));
    return `${url.protocol}//${labels.slice(publicSuffix ? -3 : -2).join('.')}`;
  };
  return site(a) === site(b);
}

export type TrustProxy = boolean | string | ((address: string, hop: number) => boolean);

/** A number counts trusted hops (proxy-addr's meaning); anything else is an address list. */
function parseTrustProxy(raw: string): TrustProxy {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return (_address, hop) => hop < hops;
  }
  return raw;
}

/** What a missing required variable's problem adds: how to make one. */
const REQUIRED_HINTS: Record<string, string> = { SESSION_SECRET: SECRET_HINT };

/** Schema problems, one line per variable, naming it. */
function schemaProblems(env: Record<string, unknown>): string[] {
  const seen = new Map<string, string>();
  for (const error of Value.Errors(EnvSchema, env)) {
    const name = error.path.replace(/^\//, '') || '(environment)';
    if (seen.has(name)) continue;
    const value = env[name];
    const choices = (error.schema.anyOf as { const?: unknown }[] | undefined)?.map((option) => option.const).filter((c) => c !== undefined);
    const why = choices && choices.length > 0 ? `must be one of ${choices.join(' | ')}` : error.message.toLowerCase();
    const hint = REQUIRED_HINTS[name] ? `; ${REQUIRED_HINTS[name]}` : '';
    seen.set(name, value === undefined ? `${name} is required${hint}` : `${name} is invalid: ${why}`);
  }
  return [...seen.values()];
}

/** Keeps only the variables the schema knows, with empty strings read as unset. */
function pickKnown(source: NodeJS.ProcessEnv): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(EnvSchema.properties)) {
    const value = source[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/**
 * The App signs logout tokens with iss = its assertion_audience (our ASSERTION_AUDIENCE) and
 * aud = its assertion_issuer (our ASSERTION_ISSUER). The site's backend uses its own iss, which
 * is how the route tells the two apart: only the site's logouts are passed on to the App.
 */
function backchannelConfig(env: Env, secret: Uint8Array | undefined, audience: string, issuer: string): Config['backchannel'] {
  if (!secret) return undefined;
  const appIssuer = env.BACKCHANNEL_ISSUER ?? audience;
  return { secret, appIssuer, siteIssuer: env.BACKCHANNEL_SITE_ISSUER, audience: issuer };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = Value.Convert(EnvSchema, Value.Default(EnvSchema, pickKnown(source))) as Record<string, unknown>;
  const problems = schemaProblems(raw);
  const env = raw as Env;
  const has = (name: keyof Env) => raw[name] !== undefined;

  // Read from the environment given, else the process's (as the rest of Node does).
  const production = (source.NODE_ENV ?? process.env.NODE_ENV) === 'production';
  const rocketChat = parseUrl(env.ROCKETCHAT_URL);
  problems.push(...originProblems('ROCKETCHAT_URL', has('ROCKETCHAT_URL') ? env.ROCKETCHAT_URL : undefined, rocketChat, production));
  const publicUrl = parseUrl(env.PUBLIC_URL);
  problems.push(...originProblems('PUBLIC_URL', has('PUBLIC_URL') ? env.PUBLIC_URL : undefined, publicUrl, production));
  const sessionProblem = has('SESSION_SECRET') ? secretProblem('SESSION_SECRET', env.SESSION_SECRET, 'characters') : undefined;
  if (sessionProblem) problems.push(sessionProblem);
  if (!COLOR_PATTERN.test(env.BRANDING_PRIMARY_COLOR)) problems.push('BRANDING_PRIMARY_COLOR must be a colour like #156ff5');
  const messages = loadOverrides(env.MESSAGES_DIR);
  problems.push(...messages.problems);
  const languages = new Set([...shippedLanguages(), ...Object.keys(messages.overrides)]);
  if (!languages.has(env.DEFAULT_LANGUAGE)) problems.push(`DEFAULT_LANGUAGE must be one of ${[...languages].sort().join(', ')}`);
  const logo = parseUrl(env.BRANDING_LOGO_URL);
  if (has('BRANDING_LOGO_URL') && (!logo || logo.protocol !== 'https:')) problems.push('BRANDING_LOGO_URL must be an https URL');
  if (has('SITE_LOGIN_URL') && !parseUrl(env.SITE_LOGIN_URL)) problems.push('SITE_LOGIN_URL must be an http(s) URL');
  if (env.LOCKOUT_BASE_SECONDS > env.LOCKOUT_MAX_SECONDS) problems.push('LOCKOUT_BASE_SECONDS must not exceed LOCKOUT_MAX_SECONDS');

  let key: AssertionKey | undefined;
  let app: Config['app'];
  if (env.TOKEN_MODE === 'app') {
    const loginUrl = parseUrl(env.APP_LOGIN_URL);
    if (!has('APP_LOGIN_URL')) problems.push('APP_LOGIN_URL is required when TOKEN_MODE=app');
    else if (!loginUrl) problems.push('APP_LOGIN_URL must be an http(s) URL');
    for (const name of ['APP_LOGOUT_URL', 'APP_STATUS_URL'] as const) {
      if (has(name) && !parseUrl(env[name])) problems.push(`${name} must be an http(s) URL`);
    }
    if (loginUrl) {
      const sibling = (segment: string) => new URL(segment, new URL('.', loginUrl)).toString();
      app = {
        loginUrl: loginUrl.toString(),
        logoutUrl: env.APP_LOGOUT_URL ?? sibling('logout'),
        statusUrl: env.APP_STATUS_URL ?? sibling('status'),
        timeoutMs: env.APP_TIMEOUT_MS,
      };
    }
    if (has('ASSERTION_PRIVATE_KEY') === has('ASSERTION_SECRET')) {
      problems.push(`exactly one of ASSERTION_PRIVATE_KEY or ASSERTION_SECRET is required when TOKEN_MODE=app (ASSERTION_SECRET: ${SECRET_HINT}; ASSERTION_PRIVATE_KEY: openssl genpkey -algorithm ed25519)`);
    } else if (env.ASSERTION_SECRET !== undefined) {
      const problem = secretProblem('ASSERTION_SECRET', env.ASSERTION_SECRET);
      if (problem) problems.push(problem);
      else key = { alg: 'HS256', key: new TextEncoder().encode(env.ASSERTION_SECRET), kid: env.ASSERTION_KEY_ID };
    } else if (env.ASSERTION_PRIVATE_KEY !== undefined) {
      const imported = importPrivateKey(env.ASSERTION_PRIVATE_KEY);
      if (typeof imported === 'string') problems.push(`ASSERTION_PRIVATE_KEY ${imported}`);
      else key = { ...imported, kid: env.ASSERTION_KEY_ID };
    }
  }

  let mongo: Config['mongo'];
  if (has('MONGODB_URL')) {
    if (!/^mongodb(\+srv)?:\/\//.test(env.MONGODB_URL ?? '')) problems.push('MONGODB_URL must start with mongodb:// or mongodb+srv://');
    mongo = {
      url: env.MONGODB_URL as string,
      autoCreateUsers: (env.MONGO_AUTO_CREATE_USERS ?? 'true') === 'true',
      defaultRoles: env.MONGO_DEFAULT_ROLES.split(',').map((r) => r.trim()).filter(Boolean),
    };
    // Every account the companion creates would be a Rocket.Chat admin: never what an operator means.
    if (mongo.defaultRoles.includes('admin')) problems.push('MONGO_DEFAULT_ROLES must not include admin (every user the companion creates would be a Rocket.Chat admin)');
  } else if (env.TOKEN_MODE === 'mongo') {
    problems.push('MONGODB_URL is required when TOKEN_MODE=mongo');
  }

  let forward: Config['forward'];
  const forwardMap = parseFieldMap(env.FORWARD_FIELD_MAP);
  if (typeof forwardMap === 'string') problems.push(`FORWARD_FIELD_MAP: ${forwardMap}`);
  if (env.IDENTITY_SOURCE === 'forward') {
    const url = parseUrl(env.FORWARD_AUTH_URL);
    if (!has('FORWARD_AUTH_URL')) problems.push('FORWARD_AUTH_URL is required when IDENTITY_SOURCE=forward');
    else if (!url) problems.push('FORWARD_AUTH_URL must be an http(s) URL');
    if (url && typeof forwardMap !== 'string') {
      forward = { url: url.toString(), timeoutMs: env.FORWARD_AUTH_TIMEOUT_MS, cacheSeconds: env.FORWARD_AUTH_CACHE_SECONDS, fieldMap: forwardMap };
    }
  }

  let jwtCookie: Config['jwtCookie'];
  const jwtMap = parseFieldMap(env.JWT_COOKIE_FIELD_MAP);
  if (typeof jwtMap === 'string') problems.push(`JWT_COOKIE_FIELD_MAP: ${jwtMap}`);
  if (env.IDENTITY_SOURCE === 'jwt-cookie') {
    for (const name of ['JWT_COOKIE_NAME', 'JWT_COOKIE_ISSUER', 'JWT_COOKIE_AUDIENCE'] as const) {
      if (!has(name)) problems.push(`${name} is required when IDENTITY_SOURCE=jwt-cookie`);
    }
    if (has('JWT_COOKIE_JWKS_URL') === has('JWT_COOKIE_KEY')) problems.push('exactly one of JWT_COOKIE_JWKS_URL or JWT_COOKIE_KEY is required when IDENTITY_SOURCE=jwt-cookie');
    if (has('JWT_COOKIE_JWKS_URL') && !parseUrl(env.JWT_COOKIE_JWKS_URL)) problems.push('JWT_COOKIE_JWKS_URL must be an http(s) URL');
    // Neither a PEM nor a JWK: the identity source uses it as the HS* shared secret of the site's JWTs.
    const sharedKey = env.JWT_COOKIE_KEY?.trim();
    if (sharedKey && !sharedKey.startsWith('-----BEGIN') && !sharedKey.startsWith('{')) {
      const problem = secretProblem('JWT_COOKIE_KEY', sharedKey);
      if (problem) problems.push(problem);
    }
    const algorithms = env.JWT_COOKIE_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean);
    if (algorithms.length === 0 || algorithms.some((a) => a === 'none' || !/^(HS|RS|PS|ES)(256|384|512)$|^EdDSA$/.test(a))) {
      problems.push('JWT_COOKIE_ALGORITHMS must list JWS algorithms such as RS256,ES256,EdDSA (never none)');
    }
    if (typeof jwtMap !== 'string' && env.JWT_COOKIE_NAME && env.JWT_COOKIE_ISSUER && env.JWT_COOKIE_AUDIENCE) {
      jwtCookie = {
        cookieName: env.JWT_COOKIE_NAME,
        jwksUrl: env.JWT_COOKIE_JWKS_URL,
        key: env.JWT_COOKIE_KEY === undefined ? undefined : pem(env.JWT_COOKIE_KEY),
        issuer: env.JWT_COOKIE_ISSUER,
        audience: env.JWT_COOKIE_AUDIENCE,
        algorithms,
        fieldMap: jwtMap,
      };
    }
  }

  const backchannelSecret = env.BACKCHANNEL_SECRET === undefined ? undefined : new TextEncoder().encode(env.BACKCHANNEL_SECRET);
  const backchannelProblem = env.BACKCHANNEL_SECRET === undefined ? undefined : secretProblem('BACKCHANNEL_SECRET', env.BACKCHANNEL_SECRET);
  if (backchannelProblem) problems.push(backchannelProblem);
  const metricsProblem = env.METRICS_TOKEN === undefined ? undefined : secretProblem('METRICS_TOKEN', env.METRICS_TOKEN);
  if (metricsProblem) problems.push(metricsProblem);
  // Equal issuers would make every App logout look like the site's and call the App back.
  if (has('BACKCHANNEL_SITE_ISSUER') && env.BACKCHANNEL_SITE_ISSUER === (env.BACKCHANNEL_ISSUER ?? env.ASSERTION_AUDIENCE ?? rocketChat?.origin)) {
    problems.push("BACKCHANNEL_SITE_ISSUER must differ from the App's issuer (BACKCHANNEL_ISSUER, default ASSERTION_AUDIENCE)");
  }
  if (!backchannelSecret && (has('BACKCHANNEL_ISSUER') || has('BACKCHANNEL_SITE_ISSUER'))) problems.push('BACKCHANNEL_SECRET is required when BACKCHANNEL_ISSUER or BACKCHANNEL_SITE_ISSUER is set');
  // ASSERTION_SECRET and BACKCHANNEL_SECRET are also kept in the App's settings, which Rocket.Chat's
  // admins can read: the session secret must be none of them, or they could forge sessions.
  for (const other of ['ASSERTION_SECRET', 'BACKCHANNEL_SECRET'] as const) {
    if (has('SESSION_SECRET') && env[other] !== undefined && env[other] === env.SESSION_SECRET) problems.push(`SESSION_SECRET must differ from ${other} (generate each with: openssl rand -base64 32)`);
  }

  let password: Config['password'];
  const restUrl = parseUrl(env.ROCKETCHAT_REST_URL) ?? rocketChat;
  if (has('ROCKETCHAT_REST_URL') && !parseUrl(env.ROCKETCHAT_REST_URL)) problems.push('ROCKETCHAT_REST_URL must be an http(s) URL');
  // Password mode needs the password itself: only the form-based sources have one.
  if (env.TOKEN_MODE === 'password' && env.IDENTITY_SOURCE !== 'local' && env.IDENTITY_SOURCE !== 'rocketchat') {
    problems.push('IDENTITY_SOURCE must be local or rocketchat when TOKEN_MODE=password (the user types the password on our form)');
  }
  if (env.IDENTITY_SOURCE === 'rocketchat' && env.TOKEN_MODE !== 'password') problems.push('IDENTITY_SOURCE=rocketchat needs TOKEN_MODE=password');
  if (env.TOKEN_MODE === 'password' && restUrl) {
    password = {
      restUrl: restUrl.toString().replace(/\/$/, ''),
      timeoutMs: env.ROCKETCHAT_TIMEOUT_MS,
      register: env.PASSWORD_MODE_REGISTER === 'register',
      recheckSeconds: env.PASSWORD_MODE_RECHECK_SECONDS,
      accountLoginsPerMinute: env.PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE,
      budget: {
        calls: env.PASSWORD_MODE_RC_CALLS,
        windowSeconds: env.PASSWORD_MODE_RC_WINDOW_SECONDS,
        registerPerMinute: env.PASSWORD_MODE_RC_REGISTER_PER_MINUTE,
        clientSharePercent: env.PASSWORD_MODE_CLIENT_SHARE_PERCENT,
        accountCalls: Math.min(env.PASSWORD_MODE_ACCOUNT_LOGINS_PER_MINUTE, env.PASSWORD_MODE_RC_CALLS),
        // A short wait for a free call beats a refusal; a longer one is the user's to decide.
        maxWaitSeconds: 5,
      },
      blockMinutes: env.PASSWORD_MODE_RC_BLOCK_MINUTES,
      expectedUsers: env.PASSWORD_MODE_EXPECTED_USERS,
    };
  }

  for (const name of PROVIDER_SECRETS) {
    if (has(name) && isPlaceholderSecret(env[name] as string)) problems.push(`${name} ${PLACEHOLDER_WHY}; use the value the provider issued`);
  }
  const social = socialConfig(env, problems);

  if (problems.length > 0 || !rocketChat || !publicUrl) throw new ConfigError(problems);

  const rocketChatOrigin = rocketChat.origin;
  return {
    env,
    rocketChatUrl: rocketChat.toString().replace(/\/$/, ''),
    rocketChatOrigin,
    publicUrl,
    publicOrigin: publicUrl.origin,
    port: env.PORT,
    host: env.HOST,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL,
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    tokenMode: env.TOKEN_MODE,
    app,
    assertion: {
      issuer: env.ASSERTION_ISSUER ?? publicUrl.origin,
      audience: env.ASSERTION_AUDIENCE ?? rocketChatOrigin,
      lifetimeSeconds: env.ASSERTION_LIFETIME_SECONDS,
      key,
    },
    backchannel: backchannelConfig(env, backchannelSecret, env.ASSERTION_AUDIENCE ?? rocketChatOrigin, env.ASSERTION_ISSUER ?? publicUrl.origin),
    session: {
      secret: env.SESSION_SECRET,
      ttlSeconds: env.SESSION_TTL_SECONDS,
      sameSite: sameSite(rocketChat, publicUrl) ? 'lax' : 'none',
      partitioned: env.COOKIE_PARTITIONED === 'true',
    },
    identitySource: env.IDENTITY_SOURCE,
    localUsersFile: env.LOCAL_USERS_FILE,
    password,
    siteLoginUrl: env.SITE_LOGIN_URL,
    mongo,
    forward,
    jwtCookie,
    limits: {
      loginPerMinute: env.LOGIN_RATE_LIMIT_PER_MINUTE,
      apiPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
      lockoutThreshold: env.LOCKOUT_THRESHOLD,
      lockoutBaseSeconds: env.LOCKOUT_BASE_SECONDS,
      lockoutMaxSeconds: env.LOCKOUT_MAX_SECONDS,
    },
    branding: { title: env.BRANDING_TITLE, logoUrl: logo?.toString(), primaryColor: env.BRANDING_PRIMARY_COLOR, text: env.BRANDING_TEXT },
    i18n: { defaultLanguage: env.DEFAULT_LANGUAGE, overrides: messages.overrides },
    social,
  };
}
