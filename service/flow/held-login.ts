/**
 * Has the chat login this session holds ended? One answer for every mode, from two inputs:
 * the back-channel mark (the App told us the user logged out of Rocket.Chat, recorded in the
 * revocation list) and the mode's own question to Rocket.Chat (modes/<mode>: `/api/v1/me` with
 * the held token in app and password modes; nothing to ask in mongo mode).
 *
 * Rocket.Chat's client shows the Iframe URL after the API URL's answer only when logging in with
 * it failed: the user logged out of chat, an admin ended the login, or it expired. The page must
 * then not sign them straight back in, whether or not the App's logout notice has arrived yet,
 * since Rocket.Chat's client asks the API URL side by side with raising it.
 */
import type { FastifyInstance } from 'fastify';
import type { HeldLoginAnswer, HeldLoginQuestion } from '../modes/types';
import type { Session } from '../sessions/cookie-codec';

export async function heldLogin(fastify: FastifyInstance, session: Session, question: HeldLoginQuestion): Promise<HeldLoginAnswer> {
  if (!session.credential) return { state: 'unknown' };
  // The API URL's fast path stays local: a session that reads at all is newer than any mark
  // (the revocation list ended the older ones), so only the page looks the mark up.
  if (question.purpose === 'page') {
    const loggedOutAt = await fastify.deps.revocations.rocketChatLogoutAt(session.user.sub);
    // The session's time counts too: one continued after the logout is dated at its bound.
    const since = Math.max(session.iat, session.rocketChat?.checkedAt ?? 0);
    if (loggedOutAt !== undefined && loggedOutAt > since) return { state: 'ended' };
  }
  return fastify.mode.askHeld(session, question);
}
