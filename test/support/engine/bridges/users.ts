/**
 * Rocket.Chat's users, as far as the engine and our Apps need them: the bot user the
 * engine creates for each App at install, and the admin who installs Apps.
 */
import { randomBytes } from 'node:crypto';
import type { IUser, IUserCreationOptions } from '@rocket.chat/apps-engine/definition/users';
import type { UserBridge } from '@rocket.chat/apps-engine/server/bridges/UserBridge';
import type { EngineModules } from '../engine-module';

export type MemoryUserBridge = UserBridge & { installer: IUser; all(): IUser[] };

export function createUserBridge(engine: EngineModules): MemoryUserBridge {
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

  class MemoryUsers extends engine.bridges.UserBridge {
    private readonly users = new Map<string, IUser>();
    readonly installer: IUser;

    constructor() {
      super();
      this.installer = newUser({ username: 'admin', name: 'Administrator', roles: ['admin', 'user'], status: 'online', statusConnection: UserStatusConnection.ONLINE });
      this.users.set(this.installer.id, this.installer);
    }

    all(): IUser[] {
      return [...this.users.values()];
    }

    protected async getById(id: string, _appId: string): Promise<IUser> {
      return this.users.get(id) as IUser;
    }

    protected async getByUsername(username: string, _appId: string): Promise<IUser> {
      return this.all().find((user) => user.username === username) as IUser;
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
      if (data.username && (await this.getByUsername(data.username, appId))) throw new Error(`Username ${data.username} is already in use.`);
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
