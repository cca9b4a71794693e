/**
 * A token mode: how this companion gets Rocket.Chat logins, chosen once at start (modes/index.ts)
 * from TOKEN_MODE. Routes call the mode they were given and never ask which one it is.
 *
 * - app: a signed assertion to the App, which mints a resume token (modes/app);
 * - mongo: `services.iframe.token` written in Rocket.Chat's database (modes/mongo);
 * - password: the user's own password on our form, sent to Rocket.Chat's login (modes/password).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { PageQuery } from '../flow/pages';
import type { Session } from '../sessions/cookie-codec';
import type { RocketChatLogin } from './issuer';

/** Rocket.Chat's word on the login a session holds: hand it out, ask before another, or nothing known. */
export type HeldLoginState = 'alive' | 'ended' | 'unknown';

export interface HeldLoginAnswer {
  state: HeldLoginState;
  /** With `alive`, when Rocket.Chat confirmed it anew: the session keeps the new time. */
  rocketChat?: RocketChatLogin;
}

/**
 * Why the held login is being asked about. `api`: the API URL's fast path — a mode answers
 * without a network round trip unless its logins can end unseen (password mode, by age).
 * `page`: the Iframe URL, which Rocket.Chat shows when logging in with the held token failed.
 */
export interface HeldLoginQuestion {
  purpose: 'api' | 'page';
  /** The browser's address: a mode that spends a shared budget charges it to this client. */
  client?: string;
}

/** The login form's POST, after its CSRF check; it answers the page. */
export interface LoginForm {
  query: PageQuery;
  username: string;
  password: string;
  csrf: string;
}

export interface Mode {
  readonly name: 'app' | 'mongo' | 'password';
  /**
   * Whether a signed-in user can get a new login without typing a password (the App or the
   * database mints one). Password mode cannot: an ended login sends the user back to the form.
   */
  readonly mints: boolean;
  /**
   * Whether a held login is asked about on the API URL too (password mode, by age). The others
   * hand it out from the session with nothing asked: the fast path costs no call at all.
   */
  readonly asksOnApiUrl: boolean;
  /**
   * Rocket.Chat's word on the login `session` holds (flow/held-login.ts asks, with the back-channel
   * mark). Asked with purpose `api` only when `asksOnApiUrl`. Throws TokenError `unavailable` when it
   * must but cannot ask.
   */
  askHeld(session: Session, question: HeldLoginQuestion): Promise<HeldLoginAnswer>;
  /** The login form's POST: the site's password then a minted login, or Rocket.Chat's own password. */
  submit(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, form: LoginForm): Promise<FastifyReply>;
  /** Routes this mode adds (password mode's `POST /login-code`). */
  readonly routes?: FastifyPluginAsync;
}
