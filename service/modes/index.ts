/** The one place the token mode is chosen: routes get the mode object and never ask which it is. */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { Dependencies } from '../dependencies';
import { createRocketChatRest } from '../rocketchat/rest';
import { appMode } from './app';
import { mongoMode } from './mongo';
import { passwordMode } from './password';
import type { Mode } from './types';

export function createMode(config: Config, deps: Pick<Dependencies, 'issuer'>, log: FastifyBaseLogger): Mode {
  switch (config.tokenMode) {
    case 'password':
      return passwordMode(deps.issuer, log);
    case 'mongo':
      return mongoMode();
    case 'app':
      // The held-login question goes to Rocket.Chat's public REST API, with the user's own token.
      return appMode(createRocketChatRest({ restUrl: config.rocketChatUrl, timeoutMs: config.app?.timeoutMs ?? 3000 }));
  }
}
