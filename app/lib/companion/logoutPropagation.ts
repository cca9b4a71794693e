/**
 * Rocket.Chat → site logout: when a user the App linked logs out of Rocket.Chat, tell the
 * companion over its back channel, so the next API URL call answers 401 instead of logging
 * the user straight back in (https://github.com/RocketChat/Rocket.Chat/issues/28006). Never throws: a failure here must
 * not disturb Rocket.Chat's own logout; it is logged without the token or the secret.
 */
import type { IHttp } from '@rocket.chat/apps-engine/definition/accessors';
import { BACKCHANNEL_LOGOUT_PATH } from '../../contract/backchannel';
import type { AppConfig } from '../config';
import type { LogSink } from '../rocketchat/client';
import { IdentityLinks } from '../store/identityLinks';
import type { Storage } from '../store/records';
import { callCompanion } from './http';
import { makeLogoutToken } from './logoutToken';

export type PropagationOutcome = 'sent' | 'off' | 'not_configured' | 'no_companion_url' | 'no_backchannel_secret' | 'not_linked' | 'refused' | 'unreachable' | 'failed';

export interface PropagationContext {
  http: IHttp;
  storage: Storage;
  log: LogSink & { debug(...items: unknown[]): void };
  /** Seconds since the epoch. */
  now: number;
}

export async function propagateLogout(userId: string, config: AppConfig, context: PropagationContext): Promise<PropagationOutcome> {
  try {
    const outcome = await propagate(userId, config, context);
    // The default install has no companion_url yet: only a half-done setup deserves a warning.
    if (outcome === 'no_backchannel_secret') context.log.warn('logout propagation: companion_url is set but backchannel_secret is not (or is under 32 bytes)');
    else context.log.debug(`logout propagation: ${outcome}`);
    return outcome;
  } catch (error) {
    context.log.warn(`logout propagation: failed (${error instanceof Error ? error.name : 'unknown'})`);
    return 'failed';
  }
}

async function propagate(userId: string, config: AppConfig, context: PropagationContext): Promise<PropagationOutcome> {
  const { operations, verification } = config;
  if (!operations.logoutPropagation) return 'off';
  if (operations.companionUrl === '') return 'no_companion_url';
  if (!operations.backchannelSecret) return 'no_backchannel_secret';
  if (verification.issuer === '' || verification.audience === '') return 'not_configured';
  const sub = await new IdentityLinks(context.storage, verification.issuer).subOf(userId);
  if (sub === undefined) return 'not_linked';
  const logoutToken = makeLogoutToken({ issuer: verification.audience, audience: verification.issuer, sub, secret: operations.backchannelSecret, now: context.now });
  let status: number;
  try {
    const response = await callCompanion(context.http, 'POST', `${operations.companionUrl}${BACKCHANNEL_LOGOUT_PATH}`, {
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      content: JSON.stringify({ logout_token: logoutToken }),
    });
    status = response.statusCode;
  } catch (error) {
    context.log.warn(`logout propagation: companion unreachable (${error instanceof Error ? error.message : 'unknown'})`);
    return 'unreachable';
  }
  if (status !== 200) {
    context.log.warn(`logout propagation: companion answered HTTP ${status} (check backchannel_secret = BACKCHANNEL_SECRET, and assertion_issuer/assertion_audience on both sides)`);
    return 'refused';
  }
  return 'sent';
}
