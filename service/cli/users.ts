/**
 * Manages the users of IDENTITY_SOURCE=local (`npm run users -- --help`): add, passwd, disable,
 * enable, remove, list. Passwords are typed at a prompt that does not echo, or piped with
 * --password-stdin (cli/password-input.ts).
 * Stores in MongoDB when MONGODB_URL is set, else in LOCAL_USERS_FILE (./data/users.json).
 * passwd, disable and remove take access away: the user's companion sessions end within 60 s,
 * and the Rocket.Chat login tokens the companion handed them are revoked (cli/end-access.ts).
 * Exit codes: 0 done, 1 refused (exists, not found, store error) or tokens not revoked, 2 usage error.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { EMAIL_PATTERN, ROLE_PATTERN, USERNAME_PATTERN } from '../../app/contract/claims';
import { connectConfiguredMongo, createUserStore } from '../dependencies';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../users/password';
import type { LocalUser, UserChange, UserStore } from '../users/types';
import { loadEnvFile } from '../env-file';
import { endAccess } from './end-access';
import { PasswordInputError, readPassword, type PasswordIo } from './password-input';

const USAGE = `usage:
  users add <username> --email <email> --name <name> [--roles a,b] [--unverified] [--password-stdin]
  users passwd <username> [--password-stdin]
  users disable <username>
  users enable <username>
  users remove <username>
  users list

The password is asked at a prompt that does not echo; --password-stdin reads it from standard
input instead (printf '%s' "$PASSWORD" | npm run users -- passwd alice --password-stdin).
passwd, disable and remove end the user's companion sessions (within 60 s) and revoke the
Rocket.Chat logins the companion gave them. Users live in MongoDB when MONGODB_URL is set,
else in LOCAL_USERS_FILE (./data/users.json).`;

class UsageError extends Error {}
class RefusedError extends Error {}

/** A change that takes access away: what to report, and whose sessions and tokens to end. */
interface Withdrawn {
  summary: string;
  user: LocalUser;
  removed: boolean;
}

const OPTIONS = {
  email: { type: 'string' },
  name: { type: 'string' },
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  roles: { type: 'string' },
  unverified: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

async function run(store: UserStore, args: string[], out: (line: string) => void, io: PasswordIo): Promise<Withdrawn | undefined> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS });
  const password = async () => checkPassword(await readPassword({ password: values.password, stdin: values['password-stdin'] }, io, (line) => io.output.write(`${line}\n`)));
  const [command, username, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (command === 'list') {
    for (const user of await store.list()) {
      out(`${user.username}\t${user.email}\t${user.name}\t${user.disabled ? 'disabled' : 'enabled'}${user.roles?.length ? `\t${user.roles.join(',')}` : ''}`);
    }
    return;
  }
  if (!command || !['add', 'passwd', 'disable', 'enable', 'remove'].includes(command)) throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
  if (!username) throw new UsageError('a username is required');

  if (command === 'add') {
    if (!USERNAME_PATTERN.test(username)) throw new UsageError('the username may hold only letters, digits, dot, dash and underscore (at most 64)');
    if (!values.email || !EMAIL_PATTERN.test(values.email)) throw new UsageError('--email with a valid address is required');
    if (!values.name || values.name.length > 120) throw new UsageError('--name is required (at most 120 characters)');
    const roles = values.roles?.split(',').map((r) => r.trim()).filter(Boolean) ?? [];
    if (!roles.every((role) => ROLE_PATTERN.test(role))) throw new UsageError('--roles must be a comma-separated list of role names');
    const passwordHash = await hashPassword(await password());
    if (await store.find(username)) throw new RefusedError(`user "${username}" already exists`);
    if (await store.find(values.email)) throw new RefusedError(`a user with email ${values.email} already exists`);
    await store.add({
      sub: randomUUID(),
      username,
      email: values.email,
      email_verified: !values.unverified,
      name: values.name,
      ...(roles.length > 0 ? { roles } : {}),
      passwordHash,
      disabled: false,
      createdAt: new Date().toISOString(),
    });
    out(`added ${username}`);
    return;
  }
  if (command === 'remove') {
    const removed = await store.remove(username);
    if (!removed) throw new RefusedError(`no user "${username}"`);
    return { summary: `removed ${removed.username}`, user: removed, removed: true };
  }
  if (command === 'enable') {
    if (!(await store.update(username, { disabled: false }))) throw new RefusedError(`no user "${username}"`);
    out(`enabled ${username}`);
    return undefined;
  }
  return withdraw(store, username, command === 'passwd' ? { passwordHash: await hashPassword(await password()) } : { disabled: true });
}

/** passwd and disable: the change, and every companion session made before it no longer stands. */
async function withdraw(store: UserStore, username: string, change: UserChange): Promise<Withdrawn> {
  // Whole seconds, like session times: a session made in this very second still stands, as
  // does the user's first sign-in with a new password in the second it was set.
  const sessionsValidFrom = Math.floor(Date.now() / 1000);
  if (!(await store.update(username, { ...change, sessionsValidFrom }))) throw new RefusedError(`no user "${username}"`);
  const user = await store.find(username);
  if (!user) throw new RefusedError(`user "${username}" was removed meanwhile`);
  return { summary: `${change.passwordHash ? 'password changed for' : 'disabled'} ${user.username}`, user, removed: false };
}

/** `--help`, `-h` or `help` anywhere: the usage, on stdout, and nothing else. */
function asksForHelp(args: string[]): boolean {
  return args.some((arg) => arg === '--help' || arg === '-h') || args[0] === 'help';
}

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env, io: PasswordIo = { input: process.stdin, output: process.stderr }): Promise<number> {
  if (asksForHelp(args)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const mongoUrl = env.MONGODB_URL || undefined;
  let mongo;
  try {
    mongo = await connectConfiguredMongo({ mongo: mongoUrl ? { url: mongoUrl, autoCreateUsers: false, defaultRoles: [], matchByVerifiedEmail: false } : undefined });
    const store = createUserStore({ localUsersFile: env.LOCAL_USERS_FILE || './data/users.json' }, mongo);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const withdrawn = await run(store, args, out, io);
    if (!withdrawn) return 0;
    // The store change stands whatever follows; what could not be done is said on stderr.
    const ended = await endAccess(withdrawn.user, env, mongo, withdrawn.removed);
    out([withdrawn.summary, ...ended.done].join('; '));
    for (const warning of ended.warnings) process.stderr.write(`${warning}\n`);
    return ended.failed ? 1 : 0;
  } catch (error) {
    const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code) : '';
    const usage = error instanceof UsageError || error instanceof PasswordInputError || code.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n${usage ? `${USAGE}\n` : ''}`);
    return usage ? 2 : 1;
  } finally {
    await mongo?.close();
  }
}

if (require.main === module) {
  loadEnvFile();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
