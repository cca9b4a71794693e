/**
 * A record of Rocket.Chat's `users` collection as Apps see it, converted the way Rocket.Chat's
 * users converter does (AppUsersConverter.convertToApp, read from its source): `_id` → `id`,
 * `active` → `isEnabled` (as stored: absent stays absent), `_updatedAt` → `updatedAt`,
 * `lastLogin` → `lastLoginAt`, the type and connection status as the engine's enums, and
 * nothing else — never `services` (password hashes, login tokens).
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

/** The fields of a Rocket.Chat user document the converter reads (core-typings IUser names). */
export interface UserDocument {
  _id: string;
  username?: string;
  emails?: Array<{ address: string; verified: boolean }>;
  type?: string;
  active?: boolean;
  name?: string;
  roles?: string[];
  bio?: string;
  status?: string;
  statusText?: string;
  statusConnection?: string;
  utcOffset?: number;
  createdAt?: Date;
  _updatedAt?: Date;
  lastLogin?: Date;
  appId?: string;
  customFields?: Record<string, unknown>;
  federated?: boolean;
  federation?: unknown;
  freeSwitchExtension?: string;
  settings?: { preferences?: { language?: string } };
}

/** The engine's enums (from whichever copy of the engine is running). */
export interface UserEnums {
  UserType: typeof import('@rocket.chat/apps-engine/definition/users').UserType;
  UserStatusConnection: typeof import('@rocket.chat/apps-engine/definition/users').UserStatusConnection;
}

function userType(type: string | undefined, enums: UserEnums): IUser['type'] {
  switch (type) {
    case 'user':
      return enums.UserType.USER;
    case 'bot':
      return enums.UserType.BOT;
    case 'app':
      return enums.UserType.APP;
    case '':
    case undefined:
      return enums.UserType.UNKNOWN;
    default:
      // Rocket.Chat warns and passes an unknown type on upper-cased.
      return type.toUpperCase() as IUser['type'];
  }
}

function statusConnection(status: string | undefined, enums: UserEnums): IUser['statusConnection'] {
  switch (status) {
    case 'offline':
      return enums.UserStatusConnection.OFFLINE;
    case 'online':
      return enums.UserStatusConnection.ONLINE;
    case 'away':
      return enums.UserStatusConnection.AWAY;
    case 'busy':
      return enums.UserStatusConnection.BUSY;
    case undefined:
      return enums.UserStatusConnection.UNDEFINED; // livechat guests, rocket.cat
    default:
      return (status ? status.toUpperCase() : enums.UserStatusConnection.OFFLINE) as IUser['statusConnection'];
  }
}

/** A fresh object each time, as a database read would give: nothing the reader keeps aliases the record. */
export function toAppUser(user: UserDocument, enums: UserEnums): IUser {
  const converted = {
    id: user._id,
    username: user.username,
    emails: user.emails,
    type: userType(user.type, enums),
    isEnabled: user.active,
    name: user.name,
    roles: user.roles,
    bio: user.bio,
    status: user.status,
    statusText: user.statusText,
    statusConnection: statusConnection(user.statusConnection, enums),
    utcOffset: user.utcOffset,
    createdAt: user.createdAt,
    updatedAt: user._updatedAt,
    lastLoginAt: user.lastLogin,
    appId: user.appId,
    customFields: user.customFields,
    isFederated: user.federated,
    federation: user.federation,
    sipExtension: user.freeSwitchExtension,
    settings: { preferences: { ...(user.settings?.preferences?.language ? { language: user.settings.preferences.language } : {}) } },
  };
  return structuredClone(converted) as unknown as IUser;
}
