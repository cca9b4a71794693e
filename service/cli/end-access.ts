/**
 * What `users passwd|disable|remove` does beyond the store change. The change alone ends the
 * user's companion sessions on every replica within 60 s (identity/local-standing.ts). Here,
 * with the companion's own configuration: with MONGODB_URL a subject revocation in the shared
 * list ends them within seconds (every replica's mirror of it syncs within MIRROR_STALE_AFTER_MS,
 * or refuses every session), and the configured token issuer revokes the Rocket.Chat login tokens
 * the companion handed the user. Every reason given is safe to print: names and codes, no values.
 */
import { ConfigError, loadConfig, type Config } from '../config';
import { createSharedRevocationList, createTokenIssuer, type Connection } from '../dependencies';
import { siteUserOf } from '../identity/local';
import { redactMongoUrl } from '../mongo';
import { TokenError } from '../modes/issuer';
import { MIRROR_STALE_AFTER_MS } from '../sessions/revocation-mirror';
import type { LocalUser } from '../users/types';

export interface EndedAccess {
  /** Clauses for the summary line, e.g. "their Rocket.Chat login tokens were revoked". */
  done: string[];
  /** Lines for stderr. */
  warnings: string[];
  /** The Rocket.Chat login tokens were not revoked: the CLI exits 1. */
  failed: boolean;
}

const WITHIN = 'their companion sessions end within 60 s';
const SHARED = `their companion sessions end on every replica within ${MIRROR_STALE_AFTER_MS / 1000} s`;

function messageOf(error: unknown): string {
  return redactMongoUrl(error instanceof Error ? error.message : String(error));
}

function configFrom(env: NodeJS.ProcessEnv): { config: Config } | { why: string } {
  try {
    return { config: loadConfig(env) };
  } catch (error) {
    const detail = error instanceof ConfigError ? error.problems.join('; ') : messageOf(error);
    return { why: `the companion's configuration could not be loaded (${detail})` };
  }
}

/** MONGODB_URL: every replica mirrors this list and syncs within seconds, so the sessions end within those. */
async function endSessionsNow(user: LocalUser, config: Config, mongo: Connection): Promise<string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  try {
    await createSharedRevocationList(mongo).revokeSubject(user.sub, now, now + config.session.ttlSeconds);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

/** The reason the tokens were not revoked, or `undefined` when they were. */
async function revokeTokens(user: LocalUser, config: Config, mongo: Connection | undefined): Promise<string | undefined> {
  // Password mode's tokens are the user's own Rocket.Chat logins: ending one needs that very token.
  if (config.tokenMode === 'password') return 'TOKEN_MODE=password: the companion holds no token of its own to end them with';
  let issuer;
  try {
    issuer = createTokenIssuer(config, mongo);
    await issuer.revoke(siteUserOf(user));
    return undefined;
  } catch (error) {
    const why = error instanceof TokenError ? `${error.kind}: ${error.reason}` : messageOf(error);
    return `the token issuer (TOKEN_MODE=${config.tokenMode}) failed (${why})`;
  } finally {
    await issuer?.close();
  }
}

export async function endAccess(user: LocalUser, env: NodeJS.ProcessEnv, mongo: Connection | undefined, removed: boolean): Promise<EndedAccess> {
  const loaded = configFrom(env);
  const result: EndedAccess = { done: [WITHIN], warnings: [], failed: false };
  if ('config' in loaded && mongo) {
    const why = await endSessionsNow(user, loaded.config, mongo);
    if (why) result.warnings.push(`warning: could not write the shared revocation list (${why}); ${WITHIN} instead of within ${MIRROR_STALE_AFTER_MS / 1000} s`);
    else result.done = [SHARED];
  }
  const why = 'config' in loaded ? await revokeTokens(user, loaded.config, mongo) : loaded.why;
  if (!why) {
    result.done.push('their Rocket.Chat login tokens were revoked');
    return result;
  }
  // A removed user cannot be named to the CLI again: only Rocket.Chat itself can end those logins now.
  const advice = removed ? 'end their logins in Rocket.Chat' : 'fix that and run the command again, or end their logins in Rocket.Chat';
  result.warnings.push(`error: ${user.username}'s Rocket.Chat login tokens were NOT revoked: ${why}; ${advice}`);
  result.failed = true;
  return result;
}
