/**
 * Reads users through the engine's user reader (permission `user.read`): Rocket.Chat answers
 * from its own database (AppUserBridge → users converter: Users.findOneById /
 * findOneByUsername), with no HTTP round trip and no admin credential involved.
 *
 * What Rocket.Chat does, and this relies on: an unknown id or username is `undefined`; the
 * username match is EXACT (REST users.info ignores case; Rocket.Chat's uniqueness does too);
 * `isEnabled` is the record's `active`; no `services` (no password hashes, no tokens).
 */
import type { IUserRead } from '@rocket.chat/apps-engine/definition/accessors';
import { RocketChatUnavailable } from '../errors';
import { readEmails, readRoles, readTime, type RocketChatUser } from './users';

function fromAppUser(value: unknown): RocketChatUser | undefined {
  // `undefined` over the engine's JSON-RPC may arrive as null.
  if (value === undefined || value === null) return undefined;
  const user = value as { id?: unknown; username?: unknown; name?: unknown; isEnabled?: unknown; emails?: unknown; roles?: unknown; createdAt?: unknown };
  if (typeof user !== 'object' || typeof user.id !== 'string' || typeof user.username !== 'string') {
    throw new RocketChatUnavailable('user reader: a user without id/username');
  }
  return {
    _id: user.id,
    username: user.username,
    name: typeof user.name === 'string' ? user.name : '',
    // Rocket.Chat's own login refuses any user whose `active` is not true: so does the bridge.
    active: user.isEnabled === true,
    emails: readEmails(user.emails),
    roles: readRoles(user.roles),
    createdAt: readTime(user.createdAt),
  };
}

export class UserDirectory {
  constructor(private readonly reader: IUserRead) {}

  byId(userId: string): Promise<RocketChatUser | undefined> {
    return this.read('getById', () => this.reader.getById(userId));
  }

  /** Exact match only: `Alice` does not find `alice`. */
  byUsername(username: string): Promise<RocketChatUser | undefined> {
    return this.read('getByUsername', () => this.reader.getByUsername(username));
  }

  private async read(what: string, call: () => Promise<unknown>): Promise<RocketChatUser | undefined> {
    let value: unknown;
    try {
      value = await call();
    } catch (error) {
      // The message names the failure (the engine's or Rocket.Chat's); it never holds a secret of ours.
      // Errors from the engine's runtime may be plain JSON-RPC error objects, not Errors.
      const message = (error as { message?: unknown } | null)?.message;
      throw new RocketChatUnavailable(`user reader ${what} failed: ${typeof message === 'string' ? message.slice(0, 160) : 'unknown'}`);
    }
    return fromAppUser(value);
  }
}
