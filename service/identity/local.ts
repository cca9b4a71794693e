/** IDENTITY_SOURCE=local: the companion's own users, checked on its login form. */
import type { LocalUser, UserStore } from '../users/types';
import { hashPassword, verifyPassword } from '../users/password';
import { createStandingCheck, type StandingOptions } from './local-standing';
import type { IdentitySource, SiteUser } from './types';

/** What a stored local user asserts about itself: the claims, never the hash or the flags. */
export function siteUserOf(user: LocalUser): SiteUser {
  return {
    sub: user.sub,
    username: user.username,
    email: user.email,
    email_verified: user.email_verified,
    name: user.name,
    ...(user.roles && user.roles.length > 0 ? { roles: user.roles } : {}),
  };
}

export function createLocalIdentity(store: UserStore, standing: StandingOptions = {}): IdentitySource {
  // Unknown users are compared against this, so "no such user" takes as long as "wrong password".
  const dummyHash = hashPassword('not a real password; only keeps timing flat');
  const stands = createStandingCheck(store, standing);
  // The claims of a cached user, made once per stored record (the API URL's fast path asks per request).
  const claims = new WeakMap<LocalUser, SiteUser>();
  const claimsOf = (user: LocalUser): SiteUser => {
    let made = claims.get(user);
    if (!made) claims.set(user, (made = siteUserOf(user)));
    return made;
  };

  return {
    kind: 'local',
    async verifyPassword(login, password) {
      const user = login.length > 0 && login.length <= 320 ? await store.find(login) : undefined;
      const matches = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
      if (!user || !matches || user.disabled) return undefined;
      return siteUserOf(user);
    },
    async accountKey(login) {
      const user = login.length > 0 && login.length <= 320 ? await store.find(login) : undefined;
      return user ? `account:${user.sub}` : undefined;
    },
    async confirm(session, { fresh }) {
      const user = await stands(session, fresh);
      return user ? siteUserOf(user) : undefined;
    },
    confirmKnown(session) {
      const user = stands.known(session);
      return user === undefined ? undefined : user && claimsOf(user);
    },
    ready: () => store.ready(),
    close: () => store.close(),
  };
}
