/**
 * pino options: secrets never reach the logs, whatever a handler passes in. And one access line
 * per request, cheap enough for the API URL's hot path.
 */
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

const SECRET_FIELDS = ['token', 'loginToken', 'password', 'secret', 'assertion', 'authToken', '_csrf', 'credential', 'cookie'];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  };
}

/** The URL's path: a query string may carry an OAuth code or a token, so it is never logged. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Fastify's two lines per request ("incoming request" with the full URL, "request completed")
 * become one, written when the answer is finished: request id, method, path without the query,
 * status and time. Its fields are known to hold no secret, so it goes through a child logger
 * without redaction: with wildcard paths, pino runs the redaction walk on every field of every
 * line, strings included. Every other log call — handlers', plugins', Fastify's own error
 * lines — keeps the redaction.
 */
export class AccessLogController extends LogController {
  private access: FastifyBaseLogger | undefined;

  /** `nextId`: the request ids Fastify is given (`genReqId`), so an answer given outside Fastify gets one from the same sequence. */
  constructor(private readonly nextId: () => string = requestIds()) {
    super();
  }

  /** Called once the app's root logger exists. */
  attach(root: FastifyBaseLogger): void {
    const access = root.child({}, { redact: { paths: [] } });
    // Below `info` (LOG_LEVEL=warn, silent) there is no access line: nothing is built for it either.
    this.access = (access as PinoLike).isLevelEnabled?.('info') === false ? undefined : access;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ err: error, method: request.method, url: pathOf(request.url), statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    this.access?.info({ reqId: request.id, method: request.method, url: pathOf(request.url), statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request completed');
  }

  /** The same line for an answer given outside Fastify (service/http/fast-lane.ts). */
  laneAnswered(path: string, method: string, statusCode: number, responseTime: number): void {
    this.access?.info({ reqId: this.nextId(), method, url: path, statusCode, responseTime }, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.info({ method: request.method, url: pathOf(request.url) }, 'route not found');
  }
}

/** Fastify's own request ids (`req-1`, `req-2`, …), as a generator both it and the fast lane draw from. */
export function requestIds(): () => string {
  let next = 0;
  return () => {
    next = (next + 1) & 0x7fffffff;
    return `req-${next.toString(36)}`;
  };
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];
type PinoLike = FastifyBaseLogger & { isLevelEnabled?(level: string): boolean };

/**
 * `request.log`, made on first use. Fastify builds a pino child per request (bindings
 * `{reqId}`), and with wildcard redaction pino runs the redaction walk on those bindings too:
 * a measurable cost on every request, for a logger the API URL's happy path never uses (its
 * access line is written by `AccessLogController`). Calls at a level the parent would drop
 * make nothing; anything else makes the real child, with the same bindings and redaction.
 */
class LazyRequestLogger {
  private real: FastifyBaseLogger | undefined;
  declare fatal: FastifyBaseLogger['fatal'];
  declare error: FastifyBaseLogger['error'];
  declare warn: FastifyBaseLogger['warn'];
  declare info: FastifyBaseLogger['info'];
  declare debug: FastifyBaseLogger['debug'];
  declare trace: FastifyBaseLogger['trace'];

  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.options));
  }

  enabled(level: Level): boolean {
    return this.real !== undefined || this.parent.isLevelEnabled?.(level) !== false;
  }

  get level(): FastifyBaseLogger['level'] {
    return this.real ? this.real.level : this.parent.level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.logger().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  silent(): void {}
}
for (const level of LEVELS) {
  Object.defineProperty(LazyRequestLogger.prototype, level, {
    value: function (this: LazyRequestLogger, ...args: unknown[]) {
      if (!this.enabled(level)) return;
      (this.logger()[level] as (...values: unknown[]) => void)(...args);
    },
  });
}

/** Fastify's `childLoggerFactory`: per-route levels or serializers get the eager child they expect. */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
