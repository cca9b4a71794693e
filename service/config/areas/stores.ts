/** Where shared state lives: Rocket.Chat's MongoDB, when given (local users, ended sessions, lockouts, limits, pending two-factor logins, mongo mode's writes). */
import { Text } from '../fields';
import type { AreaInput, Checked } from '../types';

export const storeFields = {
  MONGODB_URL: Text("Rocket.Chat's MongoDB, with the database name as its path. Required for TOKEN_MODE=mongo; when set, every replica shares through it the ended sessions, the lockout of each account, pending two-factor logins and the login and mint limits (and local users are kept there). Without it, run one replica"),
} as const;

export function checkStores({ env, has }: AreaInput): Checked<{ mongoUrl?: string }> {
  const problems: string[] = [];
  if (has('MONGODB_URL') && !/^mongodb(\+srv)?:\/\//.test(env.MONGODB_URL ?? '')) problems.push('MONGODB_URL must start with mongodb:// or mongodb+srv://');
  if (!has('MONGODB_URL') && env.TOKEN_MODE === 'mongo') problems.push('MONGODB_URL is required when TOKEN_MODE=mongo');
  return { problems, value: { mongoUrl: env.MONGODB_URL } };
}
