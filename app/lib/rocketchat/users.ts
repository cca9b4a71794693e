/**
 * The user calls a bridge makes (docs/rocketchat.md), each with its replies checked and its
 * refusals turned into what they mean for a login.
 */
import { RocketChatUnavailable } from '../errors';
import { RocketChatClient, RocketChatRefused } from './client';

export interface RocketChatUser {
  _id: string;
  username: string;
  name: string;
  active: boolean;
  emails: Array<{ address: string; verified: boolean }>;
  /** Absent when Rocket.Chat did not show them: then roles are left alone, never reset. */
  roles?: string[];
  /** When Rocket.Chat created the user (milliseconds since the epoch), if shown. */
  createdAt?: number;
}

export interface NewUser {
  username: string;
  email: string;
  name: string;
  password: string;
  roles: string[];
  verified: boolean;
}

export interface ProfileChange {
  name?: string;
  email?: string;
  verified?: boolean;
  roles?: string[];
}

/** A user's emails as Rocket.Chat lists them (REST and the engine's user reader alike); malformed entries are dropped. */
export function readEmails(value: unknown): RocketChatUser['emails'] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    const email = entry as { address?: unknown; verified?: unknown } | null;
    return email && typeof email.address === 'string' ? [{ address: email.address, verified: email.verified === true }] : [];
  });
}

/** A creation time as Rocket.Chat shows it (a Date, or its JSON string over REST and the engine's RPC). */
export function readTime(value: unknown): number | undefined {
  // Not `instanceof Date`: a Date made in another realm (the host's side of a bridge) fails it.
  const time = Object.prototype.toString.call(value) === '[object Date]' ? (value as Date).getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(time) ? time : undefined;
}

/** A user's roles; `undefined` when not shown, so they are left alone rather than reset. */
export function readRoles(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((role): role is string => typeof role === 'string') : undefined;
}

function readUser(value: unknown): RocketChatUser {
  const user = value as Partial<Record<keyof RocketChatUser, unknown>> | null;
  if (typeof user !== 'object' || user === null || typeof user._id !== 'string' || typeof user.username !== 'string') {
    throw new RocketChatUnavailable('user record without _id/username');
  }
  return {
    _id: user._id,
    username: user.username,
    name: typeof user.name === 'string' ? user.name : '',
    // users.info leaves `active` out for some callers; only an explicit false means deactivated.
    active: user.active !== false,
    emails: readEmails(user.emails),
    roles: readRoles(user.roles),
    createdAt: readTime(user.createdAt),
  };
}

export class UsersApi {
  constructor(private readonly client: RocketChatClient) {}

  /** `undefined` when Rocket.Chat says no such user (400/404). */
  async info(by: { username: string } | { userId: string }): Promise<RocketChatUser | undefined> {
    try {
      const reply = await this.client.get('users.info', by);
      return readUser(reply.body.user);
    } catch (error) {
      if (error instanceof RocketChatRefused && (error.status === 400 || error.status === 404)) return undefined;
      throw error;
    }
  }

  /** Exact, case-insensitive email match among the users a search term finds. */
  async findByEmail(email: string): Promise<RocketChatUser | undefined> {
    let reply;
    try {
      reply = await this.client.get('users.listByStatus', { searchTerm: email, count: '10' });
    } catch (error) {
      if (error instanceof RocketChatRefused) return undefined;
      throw error;
    }
    const users = Array.isArray(reply.body.users) ? reply.body.users.map(readUser) : [];
    const wanted = email.toLowerCase();
    const found = users.filter((user) => user.emails.some((entry) => entry.address.toLowerCase() === wanted));
    return found.length === 1 ? found[0] : undefined;
  }

  /** Throws RocketChatRefused when the username or email is already in use. */
  async create(user: NewUser): Promise<RocketChatUser> {
    const reply = await this.client.post('users.create', {
      ...user,
      active: true,
      joinDefaultChannels: true,
      sendWelcomeEmail: false,
      requirePasswordChange: false,
    });
    return readUser(reply.body.user);
  }

  async update(userId: string, change: ProfileChange): Promise<void> {
    await this.client.post('users.update', { userId, data: change });
  }

  async createToken(userId: string, secret: string | undefined): Promise<string> {
    let reply;
    try {
      reply = await this.client.post('users.createToken', secret ? { userId, secret } : { userId });
    } catch (error) {
      if (error instanceof RocketChatRefused) {
        throw new RocketChatUnavailable(`users.createToken refused (${error.errorType || error.errorText}): is CREATE_TOKENS_FOR_USERS / CREATE_TOKENS_FOR_USERS_SECRET set?`);
      }
      throw error;
    }
    const data = reply.body.data as { authToken?: unknown } | undefined;
    if (typeof data?.authToken !== 'string' || data.authToken === '') throw new RocketChatUnavailable('users.createToken without authToken');
    return data.authToken;
  }

  async logout(userId: string): Promise<void> {
    await this.client.post('users.logout', { userId });
  }
}
