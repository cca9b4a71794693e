/**
 * The TokenIssuer face of password mode. There is no password at the API URL, so nothing is
 * ever issued there: a session either holds the token its login produced or gets a 401 (and
 * Rocket.Chat shows the form). What it adds is checking a held token before handing it out
 * again, and logging out with the user's own token.
 */
import type { RocketChatRest } from './rocketchat-rest';
import { TokenError, type HeldLogin, type TokenIssuer } from './types';

export function createPasswordTokenIssuer(rest: RocketChatRest, options: { recheckSeconds: number; now?: () => number }): TokenIssuer {
  const now = () => Math.floor((options.now ?? Date.now)() / 1000);
  const auth = (held: HeldLogin) =>
    held.rocketChat && held.credential && 'loginToken' in held.credential ? { userId: held.rocketChat.userId, authToken: held.credential.loginToken } : undefined;

  return {
    mode: 'password',
    async issue() {
      throw new TokenError('denied', 'password_required');
    },
    async revoke(_user, held) {
      const credentials = held && auth(held);
      if (!credentials) return;
      const answer = await rest.logout(credentials);
      // 401: Rocket.Chat had already ended it — the outcome we wanted.
      if (answer.status !== 200 && answer.status !== 401) throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    },
    async recheck(held) {
      const credentials = auth(held);
      if (!credentials || !held.rocketChat) return undefined;
      if (now() - held.rocketChat.checkedAt < options.recheckSeconds) return held.rocketChat;
      const answer = await rest.me(credentials);
      if (answer.status === 200) return { ...held.rocketChat, checkedAt: now() };
      if (answer.status === 401 || answer.status === 403) return undefined;
      throw new TokenError('unavailable', `rocketchat_${answer.status}`);
    },
    async ready() {
      try {
        return (await rest.info()).status === 200;
      } catch {
        return false;
      }
    },
    async close() {},
  };
}
