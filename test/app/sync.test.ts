/** Profile sync decisions, with a recording double of the users API. */
import { desiredRoles, Provisioner, throwawayPassword } from '../../app/lib/provisioning';
import type { ProvisioningConfig } from '../../app/lib/config';
import type { UserDirectory } from '../../app/lib/rocketchat/directory';
import type { ProfileChange, RocketChatUser, UsersApi } from '../../app/lib/rocketchat/users';
import type { IdentityLinks } from '../../app/lib/store/identityLinks';
import type { AssertionClaims } from '../../app/contract/claims';

const policy: ProvisioningConfig = {
  autoCreate: true,
  defaultRoles: ['user'],
  allowedEmailDomains: [],
  grantableRoles: ['moderator'],
  syncProfile: true,
  usernameConflict: 'refuse',
  matchByVerifiedEmail: false,
  requireVerifiedEmail: false,
};
const claims: AssertionClaims = { iss: 'i', aud: 'a', sub: 's', iat: 1, exp: 2, jti: 'j', username: 'alice', email: 'alice@corp.example', email_verified: true, name: 'Alice' };

function provisionerFor(user: RocketChatUser) {
  const updates: ProfileChange[] = [];
  const users = { update: async (_id: string, change: ProfileChange) => void updates.push(change) } as unknown as UsersApi;
  const directory = { byId: async () => user, byUsername: async () => user } as unknown as UserDirectory;
  const links = { find: async () => ({ userId: user._id, cached: false, hasSub: true }) } as unknown as IdentityLinks;
  return { provisioner: new Provisioner(users, directory, links, policy), updates };
}

test('roles Rocket.Chat did not show are never reset', async () => {
  const { provisioner, updates } = provisionerFor({ _id: 'u1', username: 'alice', name: 'Old', active: true, emails: [{ address: 'alice@corp.example', verified: true }] });
  await provisioner.provision(claims);
  expect(updates).toEqual([{ name: 'Alice' }]);
});

test('roles not managed by the bridge (not grantable) are kept, even admin', () => {
  expect(desiredRoles(['admin', 'user', 'moderator'], claims, policy).sort()).toEqual(['admin', 'user']);
  expect(desiredRoles(['user'], { ...claims, roles: ['moderator'] }, policy).sort()).toEqual(['moderator', 'user']);
});

test('nothing changed, nothing written', async () => {
  const { provisioner, updates } = provisionerFor({ _id: 'u1', username: 'alice', name: 'Alice', active: true, emails: [{ address: 'ALICE@corp.example', verified: true }], roles: ['user'] });
  await provisioner.provision(claims);
  expect(updates).toEqual([]);
});

test('throwaway passwords are long, varied and pass the password policy', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i += 1) {
    const password = throwawayPassword();
    expect(password).toMatch(/[a-z]/);
    expect(password).toMatch(/[A-Z]/);
    expect(password).toMatch(/[0-9]/);
    expect(password).toMatch(/[^A-Za-z0-9]/);
    expect(password).not.toMatch(/(.)\1\1/);
    expect(password.length).toBeGreaterThanOrEqual(32);
    seen.add(password);
  }
  expect(seen.size).toBe(2000);
});
