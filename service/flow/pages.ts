/** The pages of the Iframe URL, with branding and the query kept through the flow. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RocketChatCredential } from '../tokens/types';

export interface PageQuery {
  client?: string;
  lang?: string;
}

export function queryString(query: PageQuery): string {
  const params = new URLSearchParams();
  if (query.client) params.set('client', query.client);
  if (query.lang) params.set('lang', query.lang);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function common(fastify: FastifyInstance, reply: FastifyReply, query: PageQuery) {
  reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
  return { branding: fastify.config.branding, nonce: reply.pageNonce, lang: query.lang ?? 'en', query: queryString(query) };
}

export const GENERIC_LOGIN_ERROR = 'Sign-in failed. Check your username and password and try again.';

export function renderLogin(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; csrf: string; username?: string; error?: string }): Promise<string> {
  return reply.viewAsync('login.hbs', { ...common(fastify, reply, options.query), csrf: options.csrf, username: options.username, error: options.error });
}

export function renderMessage(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; heading: string; text: string; link?: { href: string; label: string } }): Promise<string> {
  return reply.viewAsync('message.hbs', { ...common(fastify, reply, options.query), ...options });
}

/**
 * The page that hands the credential to Rocket.Chat. Which window it posts to is decided in
 * the browser (framed by Rocket.Chat, the mobile app's top-level WebView, or a plain tab).
 */
export function renderDone(fastify: FastifyInstance, reply: FastifyReply, options: { query: PageQuery; credential: RocketChatCredential; csrf: string }): Promise<string> {
  const { rocketChatOrigin, rocketChatUrl } = fastify.config;
  // The credential's shape, not the configured mode, says what Rocket.Chat must do with it.
  const loginToken = 'loginToken' in options.credential ? options.credential.loginToken : undefined;
  return reply.viewAsync('done.hbs', {
    ...common(fastify, reply, options.query),
    mode: loginToken === undefined ? 'mongo' : 'app',
    loginToken,
    rocketChatOrigin,
    rocketChatUrl,
    csrf: options.csrf,
  });
}
