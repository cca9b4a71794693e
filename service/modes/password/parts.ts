/** Password mode's parts, made once: they share one REST client and one budget (the calls all leave from this service's address). */
import type { Config } from '../../config';
import { createRocketChatRest } from '../../rocketchat/rest';
import type { TokenIssuer } from '../issuer';
import { RocketChatBudgets } from './budget';
import { createPasswordTokenIssuer } from './issuer';
import { LoginBlocks } from './login-blocks';
import { createPasswordLogin, type PasswordLogin } from './login';
import type { PendingLogins } from './pending-logins';

/** Rocket.Chat's limits as this service spends them, for operators (/readyz, /metrics). */
export interface RocketChatLimits {
  budgets: RocketChatBudgets;
  blocks: LoginBlocks;
}

export interface PasswordParts {
  issuer: TokenIssuer;
  login: PasswordLogin;
  limits: RocketChatLimits;
}

/** `pending`: where logins wait for their code (in this process, or shared by every replica). */
export function createPasswordParts(settings: NonNullable<Config['password']>, pending: PendingLogins): PasswordParts {
  const rest = createRocketChatRest(settings);
  const limits = { budgets: new RocketChatBudgets(settings.budget), blocks: new LoginBlocks(settings.blockMinutes, Date.now) };
  return {
    issuer: createPasswordTokenIssuer(rest, { recheckSeconds: settings.recheckSeconds, budgets: limits.budgets }),
    login: createPasswordLogin({ rest, register: settings.register, pending, ...limits }),
    limits,
  };
}
