/** Shapes of the stand-in's in-memory records, named after Rocket.Chat's own (core-typings IUser). */

export interface LoginToken {
  hashedToken: string; // base64(SHA-256(token)), like Accounts._hashLoginToken
  when: Date;
  type?: 'personalAccessToken';
  name?: string;
  bypassTwoFactor?: boolean;
}

export interface StoredUser {
  _id: string;
  createdAt: Date;
  _updatedAt: Date;
  username: string;
  emails: Array<{ address: string; verified: boolean }>;
  name: string;
  active: boolean;
  roles: string[];
  type: 'user' | 'bot';
  status: 'online' | 'offline' | 'away' | 'busy';
  statusDefault: 'online';
  requirePasswordChange?: boolean;
  customFields?: Record<string, unknown>;
  lastLogin?: Date;
  services: {
    password?: { scrypt: string };
    resume: { loginTokens: LoginToken[] };
    iframe?: { token: string };
    email2fa?: { enabled: boolean; changedAt: Date };
    totp?: { enabled: boolean; secret: string };
    emailCode?: { hash: string; expire: Date; attempts: number };
  };
}

export interface NewUser {
  username: string;
  email: string;
  name?: string;
  password?: string;
  verified?: boolean;
  roles?: string[];
  active?: boolean;
  /** Two-factor for this user: emailed codes (needs a verified email) and/or TOTP (base32 secret). */
  twoFactor?: { email?: boolean; totpSecret?: string };
  /** Defaults to now; Rocket.Chat skips 2FA checks for 30 min after registration, so old accounts need an old date. */
  createdAt?: Date;
}

export interface IframeSettings {
  enabled: boolean;
  url: string;
  apiUrl: string;
  apiMethod: 'POST' | 'GET';
  /** Some 7.x builds send `Content-Type: application/json` with no body, which forces a CORS preflight. */
  sendContentType: boolean;
}

export interface FaultSettings {
  down?: boolean;
  delayMs?: number;
  status?: number;
  malformed?: boolean;
  paths?: RegExp;
}

export interface RequestRecord {
  method: string;
  path: string;
  userId?: string;
  status: number;
  origin?: string;
}

export interface SentMail {
  to: string;
  subject: string;
  code: string;
}
