/**
 * Answers given before Fastify sees the request, for the one answer that is hot enough to need
 * it: the API URL handing a signed-in user's held login out of the session (every page load of
 * Rocket.Chat's web client, for every user).
 *
 * Fastify's work per request (its request and reply objects, routing, the hook runners, one
 * header call per header) costs more than that answer's own checks. A route may therefore also
 * give the lane an `answer`: it runs first, on the bare Node request, and either answers with
 * the exact status, headers and body Fastify would have sent (same checks, same header sets,
 * same serializer, same metrics, same access line) and returns `true`, or returns `false` having
 * written and changed nothing, and Fastify answers as if the lane were not there. So anything
 * unusual (a body, a query string, HEAD, no session, a session that needs a database) is
 * Fastify's, and the lane only ever short-cuts an answer Fastify gives the same way. A test
 * sends the same requests through both and compares every answer.
 *
 * `inject()` never reaches the lane (it calls Fastify's handler): tests that need it listen.
 */
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

/** Answers the request and returns true, or returns false having written nothing. */
export type LaneAnswer = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * Told of each answer the lane gave, as Fastify's `onResponse` hooks are of Fastify's; timed from
 * the lookup to `end()` (Fastify's: from routing to the `finish` event).
 */
export type LaneObserver = (path: string, request: IncomingMessage, response: ServerResponse, elapsedMs: number) => void;

/** The options Fastify hands its server factory, with its defaults filled in. */
interface ServerTimeouts {
  http?: ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number;
}

export class FastLane {
  private readonly answers = new Map<string, LaneAnswer>();
  private readonly observers: LaneObserver[] = [];
  private open = true;
  /** Answers given here rather than by Fastify (tests read it). */
  answered = 0;

  /** Requests for exactly `path` (no query string) try `answer` first. One answer a path. */
  route(path: string, answer: LaneAnswer): void {
    if (this.answers.has(path)) throw new Error(`the fast lane already answers ${path}`);
    this.answers.set(path, answer);
  }

  observe(observer: LaneObserver): void {
    this.observers.push(observer);
  }

  /** From here on Fastify answers everything (while closing: 503 and `Connection: close`). buildApp calls it in `preClose`. */
  close(): void {
    this.open = false;
  }

  /**
   * Fastify's `serverFactory`: the HTTP/1.1 server Fastify would make (its timeouts included),
   * asking the lane before Fastify's own handler. Plain HTTP (the companion runs behind a TLS
   * proxy). With a server factory Fastify listens on one address: a host name such as
   * `localhost` gets the first address it resolves to, not each of them.
   */
  readonly serverFactory: FastifyServerFactory = (handler, fastifyOptions) => {
    const options = fastifyOptions as unknown as ServerTimeouts;
    const server = createServer(options.http ?? {}, (request, response) => {
      if (!this.tryAnswer(request, response)) handler(request, response);
    });
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };

  private tryAnswer(request: IncomingMessage, response: ServerResponse): boolean {
    if (!this.open) return false;
    const path = request.url;
    const answer = path === undefined ? undefined : this.answers.get(path);
    if (!answer) return false;
    const start = performance.now();
    try {
      if (!answer(request, response)) return false;
    } catch (error) {
      // An answer throws before writing (its checks run first): Fastify answers, and logs, as usual.
      if (!response.headersSent) return false;
      response.destroy(error instanceof Error ? error : undefined);
      return true;
    }
    this.answered += 1;
    const elapsed = performance.now() - start;
    for (const observer of this.observers) observer(path!, request, response, elapsed);
    return true;
  }
}
