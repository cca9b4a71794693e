/** IDENTITY_SOURCE=local: the companion's own users, checked on its login form. */
import type { UserStore } from '../users/types';
import { hashPassword, verifyPassword } from '../users/password';
import type { IdentitySource, SiteUser } from './types';

export function createLocalIdentity(store: UserStore): IdentitySource {
  // Unknown users are compared against this, so "no such user" takes as long as "wrong password".
  const dummyHash = hashPassword('not a real password; only keeps timing flat');

  return {
    kind: 'local',
    async verifyPassword(login, password) {
      const user = login.length > 0 && login.length <= 320 ? await store.find(login) : undefined;
      const matches = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
      if (!user || !matches || user.disabled) return undefined;
      const siteUser: SiteUser = {
        sub: user.sub,
        username: user.username,
        email: user.email,
        email_verified: user.email_verified,
        name: user.name,
        ...(user.roles && user.roles.length > 0 ? { roles: user.roles } : {}),
      };
      return siteUser;
    },
    async accountKey(login) {
      const user = login.length > 0 && login.length <= 320 ? await store.find(login) : undefined;
      return user ? `account:${user.sub}` : undefined;
    },
    ready: () => store.ready(),
    close: () => store.close(),
  };
}
