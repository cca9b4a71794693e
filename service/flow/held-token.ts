/**
 * Does Rocket.Chat still take the token a session holds? The Iframe URL asks before it hands out
 * or mints anything. Rocket.Chat's client shows that page after the API URL answered with the
 * held token only when logging in with it failed: the user logged out of Rocket.Chat, or an
 * admin ended the login, or it expired. The page must then not sign them straight back in
 * (#28006) — whether or not the App's logout notice has reached the companion yet, since
 * Rocket.Chat's client asks the API URL side by side with raising it (SECURITY.md, known limits).
 */
import type { Session } from '../sessions/cookie-codec';
import type { RocketChatRest } from '../tokens/rocketchat-rest';

/** `alive`: hand it out again; `ended`: ask before a new one; `unknown`: nothing to ask, or no answer. */
export type HeldToken = 'alive' | 'ended' | 'unknown';

export function createHeldTokenCheck(rest: Pick<RocketChatRest, 'me'>): (session: Session) => Promise<HeldToken> {
  return async (session) => {
    const { credential, rocketChat } = session;
    // Mongo mode's `token` is not a resume token, and a session from before this check knows no user id.
    if (!credential || !('loginToken' in credential) || !rocketChat) return 'unknown';
    try {
      const answer = await rest.me({ userId: rocketChat.userId, authToken: credential.loginToken });
      if (answer.status === 200) return 'alive';
      return answer.status === 401 || answer.status === 403 ? 'ended' : 'unknown';
    } catch {
      return 'unknown'; // Rocket.Chat unreachable: the page does what it did before it could ask
    }
  };
}
