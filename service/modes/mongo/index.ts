/**
 * MongoDB mode: the companion writes `services.iframe.token` on the account (modes/mongo/issuer.ts).
 * That value is no resume token, so Rocket.Chat cannot be asked whether a login made with it
 * still stands: only the back-channel mark says so (flow/held-login.ts).
 */
import { signInAtSite } from '../../flow/site-form';
import type { Mode } from '../types';

export function mongoMode(): Mode {
  return {
    name: 'mongo',
    asksOnApiUrl: false,
    mints: true,
    async askHeld() {
      return { state: 'unknown' };
    },
    submit: signInAtSite,
  };
}
