/**
 * What the App's endpoints answer (docs/contract.md).
 * Imported by the App and by the companion; no imports here.
 */
import type { InvalidReason } from './claims';

/** Paths under `/api/apps/public/<appId>/`. */
export const APP_ENDPOINTS = { login: 'login', logout: 'logout', status: 'status' } as const;

export interface LoginRequestBody {
  assertion: string;
}

export interface LoginReply {
  loginToken: string;
  userId: string;
  username: string;
  created: boolean;
}

export interface LogoutReply {
  revoked: true;
}

export interface StatusReply {
  configured: boolean;
  missing: string[];
  version: string;
  /** The last login and the counts, since the App process started (a restart resets them). */
  lastLoginAt?: string | null;
  counts?: { logins: number; rejections: Record<string, number> };
  /** Present when `companion_url` is set: a quick `GET /healthz`, cached a few seconds. */
  companion?: { url: string; reachable: boolean };
  wiring?: { managed: boolean; state: 'off' | 'wired' | 'failed' | 'restored'; reason?: string; at?: string };
}

export type ProvisioningDeniedReason =
  | 'auto_create_off'
  | 'email_domain_not_allowed'
  | 'email_not_verified'
  | 'user_deactivated'
  | 'role_not_grantable'
  | 'username_taken'
  /** Another Rocket.Chat user already has the assertion's email. */
  | 'email_taken';

export type ErrorReply =
  | { error: 'bad_request' }
  | { error: 'invalid_assertion'; reason: InvalidReason }
  | { error: 'provisioning_denied'; reason: ProvisioningDeniedReason }
  | { error: 'rocketchat_unavailable' }
  | { error: 'not_configured'; missing: string[] };

/** HTTP status of each error reply. */
export const ERROR_STATUS: Record<ErrorReply['error'], number> = {
  bad_request: 400,
  invalid_assertion: 401,
  provisioning_denied: 403,
  rocketchat_unavailable: 502,
  not_configured: 503,
};
