/**
 * The companion's configuration: read from the environment once at start, each area validated
 * by its own function (config/areas, and each token mode's slice in modes/<mode>/config.ts), and
 * every problem collected so that an operator fixes them all in one go: the start is refused with
 * one message naming each.
 */
import { Value } from '@sinclair/typebox/value';
import { checkAppMode } from '../modes/app/config';
import { checkMongoMode } from '../modes/mongo/config';
import { checkPasswordMode } from '../modes/password/config';
import { assertionNames } from './areas/assertion';
import { checkBackchannel } from './areas/backchannel';
import { checkIdentity } from './areas/identity';
import { checkLimits } from './areas/limits';
import { checkPages } from './areas/pages';
import { checkSession } from './areas/session';
import { checkSite } from './areas/site';
import { checkSocial } from './areas/social';
import { checkStores } from './areas/stores';
import { pickKnown, schemaProblems, unknownNames } from './problems';
import { EnvSchema, type Env } from './schema';
import type { AreaInput, Checked, Config } from './types';

export { sameSite, parseFieldMap } from './parse';
export { AREAS, EnvSchema, type Env } from './schema';
export type { AssertionKey, Config, FieldMap, TrustProxy } from './types';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** The names the .env file set (env-file.ts): a misspelled one is named, with the name it resembles. */
  envFileNames?: readonly string[];
}

/** What the start could not refuse but an operator should read (unknown names): logged once at start. */
export interface Loaded extends Config {
  notes: string[];
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Loaded {
  const raw = Value.Convert(EnvSchema, Value.Default(EnvSchema, pickKnown(source))) as Record<string, unknown>;
  const problems = schemaProblems(raw);
  const unknown = unknownNames(options.envFileNames ?? [], Object.keys(source));
  problems.push(...unknown.problems);
  const input: AreaInput = {
    env: raw as Env,
    has: (name) => raw[name] !== undefined,
    // Read from the environment given, else the process's (as the rest of Node does).
    production: (source.NODE_ENV ?? process.env.NODE_ENV) === 'production',
  };
  const take = <T>(checked: Checked<T>): T => {
    problems.push(...checked.problems);
    return checked.value;
  };

  const site = take(checkSite(input));
  const { rocketChat, publicUrl } = site;
  const session = take(checkSession(input, rocketChat, publicUrl));
  const pages = take(checkPages(input));
  const limits = take(checkLimits(input));
  const identity = take(checkIdentity(input));
  const { mongoUrl } = take(checkStores(input));
  const { app, key } = take(checkAppMode(input));
  const mongoMode = take(checkMongoMode(input));
  const password = take(checkPasswordMode(input, rocketChat));
  const names = assertionNames(input, rocketChat?.origin ?? '', publicUrl?.origin ?? '');
  const backchannel = take(checkBackchannel(input, names));
  const social = take(checkSocial(input));

  if (problems.length > 0 || !rocketChat || !publicUrl) throw new ConfigError(problems);
  const { rocketChat: _r, publicUrl: _p, ...listening } = site;
  return {
    env: input.env,
    rocketChatUrl: rocketChat.toString().replace(/\/$/, ''),
    rocketChatOrigin: rocketChat.origin,
    publicUrl,
    publicOrigin: publicUrl.origin,
    ...listening,
    tokenMode: input.env.TOKEN_MODE,
    app,
    assertion: { ...names, key },
    backchannel,
    session,
    ...identity,
    password,
    mongo: mongoUrl ? { url: mongoUrl, ...mongoMode } : undefined,
    limits,
    ...pages,
    social,
    notes: unknown.notes,
  };
}
