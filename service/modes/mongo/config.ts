/** MongoDB mode's slice of the environment: how the companion provisions accounts in Rocket.Chat's database. */
import { Bool, TextOr } from '../../config/fields';
import { list } from '../../config/parse';
import type { AreaInput, Checked, Config } from '../../config/types';

export const mongoModeFields = {
  MONGO_AUTO_CREATE_USERS: Bool('Mongo mode: create missing Rocket.Chat users', true),
  MONGO_DEFAULT_ROLES: TextOr('user', 'Mongo mode: roles of the accounts it creates (comma separated; `admin` is refused)'),
  MONGO_MATCH_BY_VERIFIED_EMAIL: Bool("Mongo mode: also adopt an unlinked account found by email alone, when the site vouches for the address and Rocket.Chat has it verified (the App's `match_by_verified_email`)", false),
} as const;

type Provisioning = Omit<NonNullable<Config['mongo']>, 'url'>;

export function checkMongoMode({ env }: AreaInput): Checked<Provisioning> {
  const defaultRoles = list(env.MONGO_DEFAULT_ROLES);
  // Every account the companion creates would be a Rocket.Chat admin: never what an operator means.
  const problems = defaultRoles.includes('admin') ? ['MONGO_DEFAULT_ROLES must not include admin (every user the companion creates would be a Rocket.Chat admin)'] : [];
  return { problems, value: { autoCreateUsers: env.MONGO_AUTO_CREATE_USERS === 'true', defaultRoles, matchByVerifiedEmail: env.MONGO_MATCH_BY_VERIFIED_EMAIL === 'true' } };
}
