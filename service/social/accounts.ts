/**
 * From a verified provider identity to a local user: a stored link first (survives an email
 * change at the provider), else the local user with the same verified email (then linked), else
 * a new user when SOCIAL_AUTO_CREATE allows. Never by name, never by an unverified email.
 */
import { randomBytes } from 'node:crypto';
import { siteUserOf } from '../identity/local';
import type { SiteUser } from '../identity/types';
import { hashPassword } from '../users/password';
import type { LocalUser, UserStore } from '../users/types';
import type { LinkStore } from './links';
import { SocialRefused, type SocialIdentity } from './types';

/** Rocket.Chat usernames: letters, digits, dots, dashes, underscores. */
async function freeUsername(store: UserStore, identity: SocialIdentity, email: string): Promise<string> {
  const stem = (email.split('@')[0] ?? '').replace(/[^A-Za-z0-9._-]/g, '').slice(0, 32) || identity.provider;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const candidate = attempt === 0 ? stem : `${stem}.${randomBytes(3).toString('hex')}`;
    if (!(await store.find(candidate))) return candidate;
  }
  throw new SocialRefused('no_free_username', 'unavailable');
}

export async function resolveAccount(options: { store: UserStore; links: LinkStore; autoCreate: boolean }, identity: SocialIdentity): Promise<SiteUser> {
  const { store, links } = options;
  const linkedSub = await links.find(identity.provider, identity.id);
  if (linkedSub) {
    const user = (await store.list()).find((u) => u.sub === linkedSub);
    if (!user) throw new SocialRefused('linked_user_gone');
    if (user.disabled) throw new SocialRefused('user_disabled');
    return siteUserOf(user);
  }
  const email = identity.verifiedEmail;
  if (!email) throw new SocialRefused('no_verified_email');
  const byEmail = await store.find(email);
  // Both sides must vouch for the address: a local account with an unconfirmed email is not linked.
  if (byEmail && byEmail.email.toLowerCase() === email.toLowerCase()) {
    if (!byEmail.email_verified) throw new SocialRefused('local_email_unverified');
    if (byEmail.disabled) throw new SocialRefused('user_disabled');
    await links.link(identity.provider, identity.id, byEmail.sub);
    return siteUserOf(byEmail);
  }
  if (!options.autoCreate) throw new SocialRefused('no_such_user');
  const user: LocalUser = {
    sub: `${identity.provider}-${randomBytes(12).toString('hex')}`,
    username: await freeUsername(store, identity, email),
    email,
    email_verified: true,
    name: identity.name ?? email.split('@')[0] ?? identity.provider,
    // Nobody knows this password: the account signs in through its provider until an admin sets one.
    passwordHash: await hashPassword(randomBytes(32).toString('base64url')),
    disabled: false,
    createdAt: new Date().toISOString(),
  };
  await store.add(user);
  await links.link(identity.provider, identity.id, user.sub);
  return siteUserOf(user);
}
