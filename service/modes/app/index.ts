/**
 * App mode: the App mints each login (an assertion to its `login` endpoint, modes/app/issuer.ts). A
 * held login is worth asking Rocket.Chat about only on the Iframe URL: the API URL hands it out
 * from the session, with no round trip.
 */
import { signInAtSite } from '../../flow/site-form';
import type { RocketChatRest } from '../../rocketchat/rest';
import type { HeldLoginAnswer, Mode } from '../types';

export function appMode(rest: Pick<RocketChatRest, 'me'>): Mode {
  return {
    name: 'app',
    asksOnApiUrl: false,
    mints: true,
    async askHeld(session): Promise<HeldLoginAnswer> {
      const { credential, rocketChat } = session;
      // A session from before logins knew their user cannot be asked about.
      if (!credential || !('loginToken' in credential) || !rocketChat) return { state: 'unknown' };
      try {
        const answer = await rest.me({ userId: rocketChat.userId, authToken: credential.loginToken });
        if (answer.status === 200) return { state: 'alive' };
        return { state: answer.status === 401 || answer.status === 403 ? 'ended' : 'unknown' };
      } catch {
        return { state: 'unknown' }; // Rocket.Chat unreachable: a new login is minted, as before it could ask
      }
    },
    submit: signInAtSite,
  };
}
