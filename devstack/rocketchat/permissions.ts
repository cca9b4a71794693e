import type { StoredUser } from './types';

/** The role → permission grants the stand-in needs, as in Rocket.Chat's default permission list. */
const GRANTS: Record<string, string[]> = {
  admin: [
    'create-user',
    'edit-other-user-info',
    'edit-other-user-active-status',
    'user-generate-access-token',
    'logout-other-user',
    'view-full-other-user-info',
    'api-bypass-rate-limit',
    'create-personal-access-tokens',
    'view-d-room',
  ],
  bot: ['api-bypass-rate-limit', 'view-d-room'],
  user: ['create-personal-access-tokens', 'view-d-room'],
};

export function hasPermission(user: StoredUser | undefined, permission: string): boolean {
  return !!user && user.roles.some((role) => GRANTS[role]?.includes(permission));
}
