/**
 * The API URL. Rocket.Chat's web client calls it with credentials from its own origin; a
 * 200 with `loginToken` (or `token`) logs the user in, anything else shows the Iframe URL.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastJson, { type AnySchema } from 'fast-json-stringify';
import { heldCredential, obtainCredential } from '../flow/credential';
import { createMintLimits, MintLimitError } from '../flow/mint-limits';
import { resolveKnown, tryResolveSession, type Resolved } from '../flow/site-session';
import type { RocketChatCredential } from '../modes/issuer';
import { SESSION_COOKIE } from '../plugins/session';
import { ApiSessionSchema, CredentialReply } from '../schemas/api-session';
import { REQUEST_MONGO_BUDGET_MS, withMongoBudget } from '../request-budget';

const apiSession: FastifyPluginAsyncTypebox = async (fastify) => {
  const { rocketChatOrigin, limits } = fastify.config;

  // The exact origin or nothing: a reflected or `*` origin with credentials hands the
  // user's chat login to any site (docs/rocketchat.md). Two precomputed header sets instead of
  // @fastify/cors, which built its options (and request.routeOptions, twice) on every request.
  const grant = Object.freeze({ 'access-control-allow-origin': rocketChatOrigin, 'access-control-allow-credentials': 'true' });
  const preflight = Object.freeze({ 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '600' });
  // Only minting is limited, per address and per user, counted on every replica together (flow/mint-limits.ts).
  const beforeMint = createMintLimits(limits, fastify.deps.state);
  fastify.addHook('onRequest', (request, reply, done) => {
    // Caches must not hand one origin's answer to another.
    reply.header('vary', 'Origin');
    if (request.headers.origin === rocketChatOrigin) reply.headers(grant);
    done();
  });
  // The preflight (7.x sends Content-Type: application/json): answered for the exact origin only.
  fastify.options('/api/session', (request, reply) => {
    if (request.headers.origin !== rocketChatOrigin) return reply.callNotFound();
    return reply.code(204).headers(preflight).header('content-length', '0').send();
  });

  // Some 7.x clients send `Content-Type: application/json` with no body; a body is never read
  // (Node discards it once the answer is sent), so no limit would ever apply to it.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const fullAnswer = async (request: FastifyRequest, reply: FastifyReply, known: Resolved | undefined) => {
    // With MongoDB, this answer's MongoDB steps end within one budget from here (app.ts leaves
    // this route to enter it itself): resolving the session takes at most one (a user read past
    // the standing cache, or a Rocket.Chat-logout mark), and a new credential takes what is left.
    const until = fastify.config.mongo ? Date.now() + REQUEST_MONGO_BUDGET_MS : undefined;
    const resolved = known ?? (await tryResolveSession(fastify, request));
    if (!resolved) return reply.code(503).send();
    const { session } = resolved;
    if (!session) {
      if (resolved.changed) fastify.sessions.clear(reply);
      return reply.code(401).send();
    }
    const obtain = () => obtainCredential(fastify, request.log, session, true, { client: request.ip, beforeMint });
    // The fast path (the held login handed out from the session alone) reaches no database and
    // stays out of the budget, whose storage would cost every request while it runs.
    const fast = session.credential !== undefined && !fastify.mode.asksOnApiUrl;
    let obtained;
    try {
      obtained = until === undefined || fast ? await obtain() : await withMongoBudget(obtain, until);
    } catch (error) {
      // A refused mint: 429 from the error handler, saying when to retry, with the CORS grant like every answer here.
      if (error instanceof MintLimitError) reply.headers(error.headers);
      throw error;
    }
    if (!obtained.ok) {
      // Password mode: the held token was refused and nothing can replace it without the password.
      // Ended: the user no longer stands at the site (found when about to mint), so the session goes.
      if (obtained.kind === 'ended') fastify.sessions.clear(reply);
      return reply.code(obtained.kind === 'unavailable' ? 503 : 401).send();
    }
    if (obtained.session !== session || resolved.changed) await fastify.sessions.write(reply, obtained.session);
    return reply.code(200).send(obtained.credential);
  };

  /**
   * The session of this cookie and the login it holds, when everything that takes is known in
   * memory (the decoded cookie, the revocation check, the user's standing, a held login the mode
   * hands out without asking); `credential` is then the answer. Throws where resolving would (a
   * stale mirror of the shared revocation list). The route and the fast lane both start here.
   */
  const held = (cookie: string | undefined) => {
    const known = resolveKnown(fastify, cookie);
    const credential = known?.session && !known.changed ? heldCredential(fastify, known.session) : undefined;
    return { known, credential };
  };

  /**
   * The fast path first, with nothing to wait on: a held login known in memory is answered at
   * once, with the same checks the full path makes. Anything else — and any answer other than
   * 200 — takes the full path.
   */
  const answer = (request: FastifyRequest, reply: FastifyReply): ReturnType<typeof fullAnswer> | undefined => {
    reply.header('cache-control', 'no-store');
    let found: ReturnType<typeof held>;
    try {
      found = held(request.cookies[SESSION_COOKIE]);
    } catch (error) {
      // As tryResolveSession: the revocation list cannot answer (its mirror is stale), so fail closed.
      request.log.error({ err: error }, 'identity source failed');
      reply.code(503).send();
      return undefined;
    }
    if (!found.credential) return fullAnswer(request, reply, found.known);
    reply.code(200).send(found.credential);
    return undefined;
  };

  // The limits' headers go out only once one bites (above): Rocket.Chat's client ignores them,
  // and on every page load's hot path three more headers per answer cost measurably.
  const options = { schema: ApiSessionSchema, config: { mongoBudget: 'own' } };
  fastify.post('/api/session', options, (request, reply) => answer(request, reply));
  fastify.get('/api/session', options, (request, reply) => answer(request, reply));

  // The held login once more, before Fastify (service/http/fast-lane.ts): what `answer` above
  // sends when its fast path answers 200 — the same checks, header sets and serializer (a test
  // compares both over a socket). Whatever else a request needs is left to the route.
  const serialize: (credential: RocketChatCredential) => string = fastJson(CredentialReply as AnySchema);
  const heldHeaders = Object.freeze({ 'content-type': 'application/json; charset=utf-8', vary: 'Origin', ...fastify.apiHeaders });
  const heldHeadersGranted = Object.freeze({ ...heldHeaders, ...grant });
  fastify.fastLane?.route('/api/session', (request, response) => {
    if ((request.method !== 'POST' && request.method !== 'GET') || !plainRequest(request)) return false;
    const { credential } = held(fastify.sessions.cookieIn(request.headers.cookie));
    if (!credential) return false;
    const body = serialize(credential);
    const headers = request.headers.origin === rocketChatOrigin ? heldHeadersGranted : heldHeaders;
    response.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
    return true;
  });
};

/**
 * No body (announced, as Fastify tells one, by a length or a transfer encoding), and no content
 * type but the JSON some 7.x clients announce: Fastify refuses a malformed one (415), so any
 * other is the route's to judge. Rocket.Chat's clients send one of these two.
 */
function plainRequest(request: IncomingMessage): boolean {
  const { 'content-length': length, 'content-type': type, 'transfer-encoding': encoding } = request.headers;
  return encoding === undefined && (length === undefined || length === '0') && (type === undefined || type === 'application/json');
}

export default apiSession;
