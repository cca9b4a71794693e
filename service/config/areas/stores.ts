/** Where shared state lives: Rocket.Chat's MongoDB, when given (local users, ended sessions, mongo mode's writes). */
import { Text } from '../fields';
import type { AreaInput, Checked } from '../types';

export const storeFields = {
  MONGODB_URL: Text("Rocket.Chat's MongoDB, with the database name as its path. Required for TOKEN_MODE=mongo; when set, local users and ended sessions (shared by all replicas) are kept there too"),
} as const;

export function checkStores({ env, has }: AreaInput): Checked<{ mongoUrl?: string }> {
  const problems: string[] = [];
  if (has('MONGODB_URL') && !/^mongodb(\+srv)?:\/\//.test(env.MONGODB_URL ?? '')) problems.push('MONGODB_URL must start with mongodb:// or mongodb+srv://');
  if (!has('MONGODB_URL') && env.TOKEN_MODE === 'mongo') problems.push('MONGODB_URL is required when TOKEN_MODE=mongo');
  return { problems, value: { mongoUrl: env.MONGODB_URL } };
}
