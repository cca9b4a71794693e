/**
 * Rocket.Chat's users, as far as the engine and our Apps need them: the bot user the
 * engine creates for each App at install, the admin who installs Apps and, when the host is
 * given Rocket.Chat's `users` collection (the stand-in's own records), every user in it:
 * the App's user reader (getById, getByUsername) then sees exactly the users REST sees,
 * converted as Rocket.Chat's users converter converts them (user-converter.ts).
 *
 * Bot users the engine creates stay in this bridge's own map (the stand-in's REST API has
 * no use for them); a username is free only if neither holds it, ignoring case, as
 * Rocket.Chat's checkUsernameAvailability has it. update/deactivate/remove change only the
 * bridge's own users (no App here has `user.write`).
 */
import { randomBytes } from 'node:crypto';
import type { IUser, IUserCreationOptions } from '@rocket.chat/apps-engine/definition/users';
import type { UserBridge } from '@rocket.chat/apps-engine/server/bridges/UserBridge';
import type { EngineModules } from '../engine-module';
import { toAppUser, type UserDocument } from './user-converter';

export type MemoryUserBridge = UserBridge & { installer: IUser; all(): IUser[] };

const sameText = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * `collection`: Rocket.Chat's users (the stand-in's array, read live: records added or changed
 * through REST or the MongoDB wire stand-in are seen at the next read). Its first admin is the
 * installer; without one, or without a collection, a built-in admin is.
 */
export function createUserBridge(engine: EngineModules, collection?: ReadonlyArray<UserDocument>): MemoryUserBridge {
  const { UserType, UserStatusConnection } = engine.users;

  const newUser = (fields: Partial<IUser>): IUser => {
    const now = new Date();
    return {
      id: randomBytes(9).toString('base64url'),
      username: '',
      emails: [],
      type: UserType.USER,
      isEnabled: true,
      name: '',
      roles: ['user'],
      status: 'offline',
      statusConnection: UserStatusConnection.OFFLINE,
      utcOffset: 0,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: now,
      ...fields,
    };
  };

  const convert = (document: UserDocument): IUser => toAppUser(document, engine.users);

  class MemoryUsers extends engine.bridges.UserBridge {
    private readonly users = new Map<string, IUser>();
    readonly installer: IUser;

    constructor() {
      super();
      const admin = collection?.find((user) => user.type === 'user' && user.active === true && user.roles?.includes('admin'));
      if (admin) {
        this.installer = convert(admin);
      } else {
        this.installer = newUser({ username: 'admin', name: 'Administrator', roles: ['admin', 'user'], status: 'online', statusConnection: UserStatusConnection.ONLINE });
        this.users.set(this.installer.id, this.installer);
      }
    }

    /** Every user: the bridge's own, then the collection's, converted. */
    all(): IUser[] {
      return [...this.users.values(), ...(collection ?? []).map(convert)];
    }

    // Users.findOneById: unknown → undefined.
    protected async getById(id: string, _appId: string): Promise<IUser> {
      const own = this.users.get(id);
      if (own) return own;
      const document = collection?.find((user) => user._id === id);
      return (document ? convert(document) : undefined) as IUser;
    }

    // Users.findOneByUsername: an EXACT match (REST's users.info ignores case; this does not).
    protected async getByUsername(username: string, _appId: string): Promise<IUser> {
      if (!username) return undefined as unknown as IUser;
      const own = [...this.users.values()].find((user) => user.username === username);
      if (own) return own;
      const document = collection?.find((user) => user.username === username);
      return (document ? convert(document) : undefined) as IUser;
    }

    protected async getAppUser(appId?: string): Promise<IUser | undefined> {
      return appId === undefined ? undefined : this.all().find((user) => user.appId === appId);
    }

    protected async getActiveUserCount(): Promise<number> {
      return this.all().filter((user) => user.isEnabled && user.type === UserType.USER).length;
    }

    protected async getUserUnreadMessageCount(_uid: string, _appId: string): Promise<number> {
      return 0;
    }

    protected async getUserRoomIds(_userId: string, _appId: string): Promise<string[]> {
      return [];
    }

    protected async create(data: Partial<IUser>, appId: string, _options?: IUserCreationOptions): Promise<string> {
      const username = data.username;
      if (username && this.all().some((user) => sameText(user.username, username))) throw new Error(`Username ${username} is already in use.`);
      const user = newUser({ ...data, type: data.type ?? UserType.BOT, appId: data.appId ?? appId });
      this.users.set(user.id, user);
      return user.id;
    }

    protected async remove(user: IUser, _appId: string): Promise<boolean> {
      return this.users.delete(user.id);
    }

    protected async update(user: IUser, updates: Partial<IUser>, _appId: string): Promise<boolean> {
      const current = this.users.get(user.id);
      if (!current) return false;
      this.users.set(user.id, { ...current, ...updates, id: current.id, updatedAt: new Date() });
      return true;
    }

    protected async deleteUsersCreatedByApp(appId: string, type: IUser['type']): Promise<boolean> {
      for (const user of this.all()) if (user.appId === appId && user.type === type) this.users.delete(user.id);
      return true;
    }

    protected async deactivate(userId: string, _confirmRelinquish: boolean, _appId: string): Promise<boolean> {
      const user = this.users.get(userId);
      if (!user) return false;
      this.users.set(userId, { ...user, isEnabled: false, updatedAt: new Date() });
      return true;
    }
  }
  return new MemoryUsers();
}
