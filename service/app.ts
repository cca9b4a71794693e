/**
 * The companion as a Fastify plugin (fastify/demo's shape): external plugins, then our own,
 * then routes. `server.ts` is the only place that listens; tests call `buildApp`.
 */
import { join } from 'node:path';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import view from '@fastify/view';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import handlebars from 'handlebars';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { FastLane } from './http/fast-lane';
import { AccessLogController, loggerOptions, requestIds, requestLogger } from './logger';
import { withMongoBudget } from './request-budget';
import configPlugin from './plugins/config';
import csrf from './plugins/csrf';
import dependencies from './plugins/dependencies';
import errorHandler from './plugins/error-handler';
import i18n from './plugins/i18n';
import lockout from './plugins/lockout';
import metrics from './plugins/metrics';
import mode from './plugins/mode';
import securityHeaders from './plugins/security-headers';
import { sharedRateLimitStore } from './state/rate-limit-store';
import session from './plugins/session';
import apiSession from './routes/api-session';
import backchannel from './routes/backchannel';
import health from './routes/health';
import login from './routes/login';
import logout from './routes/logout';
import socialLogin from './routes/social-login';

export interface AppOptions {
  config: Config;
  /** Parts to use instead of building them from the config (tests). */
  deps?: Partial<Dependencies>;
  /** Node process metrics (GC, event loop, memory) in /metrics; the server turns them on. */
  processMetrics?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where routes may answer before Fastify (service/http/fast-lane.ts), when buildApp made the server. */
    fastLane: FastLane | null;
  }
}

export const app: FastifyPluginAsync<AppOptions> = async (fastify, options) => {
  // Every handler's MongoDB steps share one budget, so an answer never waits on a stopped or
  // frozen database for more than REQUEST_MONGO_BUDGET_MS in all (service/request-budget.ts), however many steps it takes.
  // Only with a MongoDB configured: the budget rides on AsyncLocalStorage, which costs every
  // request while one runs (on Node 20 it turns on promise hooks for the whole process), and
  // without MongoDB bounds nothing. A route that sets `config.mongoBudget: 'own'` (the API URL,
  // whose fast path reaches no database) enters the budget itself, only where it may reach MongoDB.
  if (options.config.mongo) {
    fastify.addHook('onRoute', (route) => {
      if ((route.config as { mongoBudget?: string } | undefined)?.mongoBudget === 'own') return;
      const handler = route.handler;
      route.handler = function (this: FastifyInstance, request, reply) {
        return withMongoBudget(() => handler.call(this, request, reply));
      };
    });
  }
  await fastify.register(configPlugin, { config: options.config });
  await fastify.register(errorHandler);
  await fastify.register(metrics, { processMetrics: options.processMetrics });
  const lane = fastify.fastLane ?? null;
  if (lane) {
    // Its answers count in /metrics as Fastify's do (buildApp writes their access lines); from
    // the preClose hooks on, Fastify answers everything.
    lane.observe((path, request, response, ms) => fastify.metrics.answered(path, request.method!, response.statusCode, ms));
    fastify.addHook('preClose', (done) => {
      lane.close();
      done();
    });
  }
  await fastify.register(dependencies, { deps: options.deps });
  // The token mode, chosen once (service/modes): the routes below call it and never ask which it is.
  await fastify.register(mode);
  await fastify.register(securityHeaders);
  await fastify.register(i18n);
  await fastify.register(formbody, { bodyLimit: 16 * 1024 });
  // The login forms' per-address limits: with MONGODB_URL every replica counts together, or N
  // replicas would allow N times the tries; otherwise the plugin's own store in this process.
  const { state } = fastify.deps;
  await fastify.register(rateLimit, { global: false, ...(state.where === 'mongodb' ? { store: sharedRateLimitStore(state.counters('form-limits', { maxKeys: 10_000 })) } : {}) });
  // @fastify/view would otherwise add an onRequest hook that gives every reply (every API URL
  // answer too) a fresh `locals` object; no template of ours reads `reply.locals`.
  fastify.decorateReply('locals', null);
  await fastify.register(view, {
    engine: { handlebars },
    root: join(__dirname, 'views'),
    layout: 'layout.hbs',
    production: process.env.NODE_ENV !== 'development',
  });
  await fastify.register(session);
  await fastify.register(csrf);
  await fastify.register(lockout);

  await fastify.register(health);
  await fastify.register(apiSession);
  await fastify.register(login);
  // The mode's own routes: password mode's code step (POST /login-code).
  if (fastify.mode.routes) await fastify.register(fastify.mode.routes);
  await fastify.register(socialLogin);
  await fastify.register(logout);
  await fastify.register(backchannel);
};

export interface BuildOptions extends AppOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream;
  /** `false`: every answer through Fastify, the API URL's held login too (tests compare the two). */
  fastLane?: false;
}

export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options;
  const requestId = requestIds();
  const logController = new AccessLogController(requestId);
  const lane = options.fastLane === false ? undefined : new FastLane();
  const fastify = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    // One access line per request, without the query string (service/logger.ts).
    logController,
    childLoggerFactory: requestLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    // Request ids in Fastify's own form, from one counter the fast lane shares; never echo a
    // client-supplied one into logs unchecked.
    requestIdHeader: false,
    genReqId: requestId,
    ...(lane ? { serverFactory: lane.serverFactory } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();
  logController.attach(fastify.log);
  fastify.decorate('fastLane', lane ?? null);
  lane?.observe((path, request, response, ms) => logController.laneAnswered(path, request.method!, response.statusCode, ms));
  await fastify.register(app, { config, deps: options.deps, processMetrics: options.processMetrics });
  return fastify;
}
