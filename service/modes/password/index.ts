/**
 * Password mode: the user's own password, typed on our form, logs them in to Rocket.Chat
 * (modes/password/login.ts); a second factor on `POST /login-code`. Nothing can mint a login without
 * that password, so an ended one sends the user back to the form, and a held one is asked about
 * by age on the API URL and always on the Iframe URL (`/api/v1/me`, within Rocket.Chat's budget).
 */
import type { FastifyBaseLogger } from 'fastify';
import { codeRoute, submitPassword } from './form';
import { TokenError, type TokenIssuer } from '../issuer';
import type { HeldLoginAnswer, Mode } from '../types';

export function passwordMode(issuer: TokenIssuer, log: FastifyBaseLogger): Mode {
  return {
    name: 'password',
    asksOnApiUrl: true,
    mints: false,
    async askHeld(session, question): Promise<HeldLoginAnswer> {
      const { credential, rocketChat } = session;
      if (!credential || !rocketChat || !issuer.recheck) return { state: 'unknown' };
      // The page is shown because Rocket.Chat did not take the held token, so it is asked whatever its age.
      const held = { credential, rocketChat: question.purpose === 'page' ? { ...rocketChat, checkedAt: 0 } : rocketChat };
      try {
        const confirmed = await issuer.recheck(held, { client: question.client });
        return confirmed ? { state: 'alive', rocketChat: confirmed } : { state: 'ended' };
      } catch (error) {
        // The page answers "unavailable"; the API URL hands the held token out (the client's own login will tell).
        if (question.purpose === 'page' || !(error instanceof TokenError)) throw error;
        log.warn({ kind: error.kind, reason: error.reason, sub: session.user.sub }, 'could not check the held token');
        return { state: 'unknown' };
      }
    },
    submit: submitPassword,
    routes: codeRoute,
  };
}
