/**
 * Turns raw setting values into one typed configuration, checked once per change (not per
 * login). Values that are empty or unusable are reported by setting id: that list is the
 * `missing` of the 503 reply and of `status`.
 */
import { ALGORITHMS, Algorithm, DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS, ROLE_PATTERN } from '../contract/claims';
import { DEFAULT_TIMEOUT_MS, SettingId, settings } from '../settings';
import { KeyConfigError, parsePublicKeys, parseSecret, usableAlgorithms, VerificationKeys } from './jws/keys';

export type UsernameConflictPolicy = 'refuse' | 'suffix';

export interface VerificationConfig {
  algorithms: Algorithm[];
  keys: VerificationKeys;
  issuer: string;
  audience: string;
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
}

export interface AccessConfig {
  /** Empty: use the `Site_Url` server setting. */
  restUrl: string;
  adminUserId: string;
  adminToken: string;
  /** Set for Rocket.Chat 8+, where users.createToken wants `secret`. */
  createTokenSecret?: string;
  timeoutMs: number;
}

export interface ProvisioningConfig {
  autoCreate: boolean;
  defaultRoles: string[];
  allowedEmailDomains: string[];
  grantableRoles: string[];
  syncProfile: boolean;
  usernameConflict: UsernameConflictPolicy;
  matchByVerifiedEmail: boolean;
  requireVerifiedEmail: boolean;
}

/** The companion, logout propagation and the Iframe wiring. None of it is needed to log users in. */
export interface OperationsConfig {
  /** Base URL without trailing slash; empty when unset or unusable. */
  companionUrl: string;
  backchannelSecret?: Buffer;
  logoutPropagation: boolean;
  manageIframeSettings: boolean;
}

export interface AppConfig {
  verification: VerificationConfig;
  access: AccessConfig;
  provisioning: ProvisioningConfig;
  operations: OperationsConfig;
}

export interface LoadedConfig {
  config: AppConfig;
  /** Setting ids that are required but empty, or set to something unusable. */
  missing: string[];
  /** Why each unusable value was refused (for the log; never holds a secret). */
  problems: string[];
}

const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/;

export type SettingValues = ReadonlyMap<string, unknown>;

const PACKAGE_VALUES: ReadonlyMap<string, unknown> = new Map(settings.map((setting) => [setting.id, setting.packageValue]));

/** Values as the settings page holds them: missing or null means the package default. */
export function withDefaults(values: SettingValues): Map<string, unknown> {
  const merged = new Map(PACKAGE_VALUES);
  for (const [id, value] of values) if (value !== undefined && value !== null) merged.set(id, value);
  return merged;
}

function text(values: SettingValues, id: SettingId): string {
  const value = values.get(id);
  return typeof value === 'string' ? value.trim() : '';
}

function flag(values: SettingValues, id: SettingId): boolean {
  const value = values.get(id);
  return value === true || value === 'true';
}

/** A comma/space separated setting, or an array (multi-select values arrive as arrays). */
function list(values: SettingValues, id: SettingId): string[] {
  const value = values.get(id);
  const items = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [...new Set(items.map((item) => item.trim()).filter((item) => item !== ''))];
}

export function loadConfig(raw: SettingValues): LoadedConfig {
  const values = withDefaults(raw);
  const missing = new Set<string>();
  const problems: string[] = [];
  const refuse = (id: SettingId, why: string): void => {
    missing.add(id);
    problems.push(`${id}: ${why}`);
  };
  const whole = (id: SettingId, fallback: number, min: number, max: number): number => {
    const value = Number(values.get(id));
    if (!Number.isInteger(value) || value < min || value > max) {
      refuse(id, `must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const allowed = list(values, SettingId.AssertionAlgorithms).filter((alg): alg is Algorithm => (ALGORITHMS as readonly string[]).includes(alg));
  if (allowed.length === 0) refuse(SettingId.AssertionAlgorithms, 'no algorithm allowed');
  const keys: VerificationKeys = { publicKeys: [] };
  try {
    keys.secret = parseSecret(values.get(SettingId.AssertionSecret) === undefined ? '' : String(values.get(SettingId.AssertionSecret)));
  } catch (error) {
    refuse(SettingId.AssertionSecret, (error as KeyConfigError).message);
  }
  try {
    keys.publicKeys = parsePublicKeys(text(values, SettingId.AssertionPublicKeys));
  } catch (error) {
    if (!(error instanceof KeyConfigError)) throw error;
    refuse(SettingId.AssertionPublicKeys, error.message);
  }
  const algorithms = usableAlgorithms(allowed, keys);
  if (algorithms.length === 0 && allowed.length > 0 && !missing.has(SettingId.AssertionSecret) && !missing.has(SettingId.AssertionPublicKeys)) {
    // Either one would do: name both so the operator sees the choice.
    refuse(SettingId.AssertionSecret, 'no key for any allowed algorithm');
    missing.add(SettingId.AssertionPublicKeys);
  }

  for (const id of [SettingId.AssertionIssuer, SettingId.AssertionAudience, SettingId.RcAdminUserId, SettingId.RcAdminToken]) {
    if (text(values, id) === '') refuse(id, 'empty');
  }
  const restUrl = text(values, SettingId.RcRestUrl).replace(/\/+$/, '');
  if (restUrl !== '' && !HTTP_URL.test(restUrl)) refuse(SettingId.RcRestUrl, 'not an http(s) URL');

  const roles = (id: SettingId): string[] => {
    const items = list(values, id);
    if (!items.every((role) => ROLE_PATTERN.test(role))) refuse(id, 'a role name is not valid');
    return items;
  };
  const conflict = text(values, SettingId.UsernameConflict);

  const config: Omit<AppConfig, 'operations'> = {
    verification: {
      algorithms,
      keys,
      issuer: text(values, SettingId.AssertionIssuer),
      audience: text(values, SettingId.AssertionAudience),
      maxLifetimeSeconds: whole(SettingId.AssertionMaxLifetimeSeconds, DEFAULT_MAX_LIFETIME_SECONDS, 1, 3600),
      clockSkewSeconds: whole(SettingId.ClockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS, 0, 300),
    },
    access: {
      restUrl,
      adminUserId: text(values, SettingId.RcAdminUserId),
      adminToken: text(values, SettingId.RcAdminToken),
      createTokenSecret: text(values, SettingId.RcCreateTokenSecret) || undefined,
      timeoutMs: whole(SettingId.RcTimeoutMs, DEFAULT_TIMEOUT_MS, 100, 60000),
    },
    provisioning: {
      autoCreate: flag(values, SettingId.AutoCreateUsers),
      defaultRoles: roles(SettingId.DefaultRoles),
      allowedEmailDomains: list(values, SettingId.AllowedEmailDomains).map((domain) => domain.replace(/^@/, '').toLowerCase()),
      grantableRoles: roles(SettingId.GrantableRoles),
      syncProfile: flag(values, SettingId.SyncProfileOnLogin),
      usernameConflict: conflict === 'suffix' ? 'suffix' : 'refuse',
      matchByVerifiedEmail: flag(values, SettingId.MatchByVerifiedEmail),
      requireVerifiedEmail: flag(values, SettingId.RequireVerifiedEmail),
    },
  };
  if (conflict !== 'refuse' && conflict !== 'suffix') refuse(SettingId.UsernameConflict, 'must be refuse or suffix');
  return { config: { ...config, operations: loadOperations(values, problems) }, missing: [...missing], problems };
}

/** Unusable values are logged and treated as unset, never put in `missing`: logins must not stop for them. */
function loadOperations(values: SettingValues, problems: string[]): OperationsConfig {
  let companionUrl = text(values, SettingId.CompanionUrl).replace(/\/+$/, '');
  if (companionUrl !== '' && !HTTP_URL.test(companionUrl)) {
    problems.push(`${SettingId.CompanionUrl}: not an http(s) URL`);
    companionUrl = '';
  }
  let backchannelSecret: Buffer | undefined;
  try {
    backchannelSecret = parseSecret(text(values, SettingId.BackchannelSecret));
  } catch (error) {
    if (!(error instanceof KeyConfigError)) throw error;
    problems.push(`${SettingId.BackchannelSecret}: ${error.message}`);
  }
  return {
    companionUrl,
    backchannelSecret,
    logoutPropagation: flag(values, SettingId.LogoutPropagation),
    manageIframeSettings: flag(values, SettingId.ManageIframeSettings),
  };
}
