/**
 * One line at start saying what this companion runs as: mode, identity source, origins and where
 * its state lives. Names and URLs only, never a secret. Without MONGODB_URL every guarantee that
 * spans requests (ended sessions, lockouts, limits) lives in this one process: the line says so.
 */
import type { Config } from './config';
import type { EnvFile } from './env-file';

export function startupSummary(config: Config, envFile: Pick<EnvFile, 'found' | 'path'>): string {
  const users = config.identitySource === 'local' ? ` (users in ${config.mongo ? 'MongoDB' : config.localUsersFile})` : '';
  const shared = config.mongo ? 'state shared through MongoDB (replicas welcome)' : 'state in this process (run one replica, or set MONGODB_URL)';
  const parts = [
    `mode ${config.tokenMode}`,
    `identity ${config.identitySource}${users}`,
    `Rocket.Chat ${config.rocketChatOrigin}`,
    `public ${config.publicOrigin}`,
    shared,
    config.backchannel ? 'back-channel logout on' : 'back-channel logout off',
    envFile.found ? `settings from ${envFile.path} and the environment` : 'settings from the environment (no .env)',
  ];
  return `configured: ${parts.join(' · ')}`;
}
