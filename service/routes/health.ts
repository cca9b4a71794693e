import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthSchema, ReadySchema } from '../schemas/health';
import { registerLimitMetrics, summarize } from '../modes/password/limits-report';

/** Liveness, readiness (what the chosen mode depends on) and Prometheus metrics. */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/healthz', { schema: HealthSchema }, async () => ({ status: 'ok' as const }));

  // Each /readyz asks the App, the identity source and MongoDB: requests that arrive while one
  // round is under way share its answer, so a flood of them is not passed on to those services.
  let round: Promise<{ tokens: boolean; identity: boolean; revocation: boolean }> | undefined;
  const probeAll = async () => {
    const check = (probe: () => Promise<boolean>) => probe().catch(() => false);
    const { issuer, identity: source, revocations } = fastify.deps;
    // No timeout here: each probe bounds itself, and MongoDB-backed ones share one ping per client (pingMongo).
    const [tokens, identity, revocation] = await Promise.all([issuer, source, revocations].map((part) => check(() => part.ready())));
    return { tokens, identity, revocation };
  };

  fastify.get('/readyz', { schema: ReadySchema }, async (_request, reply) => {
    round ??= probeAll().finally(() => {
      round = undefined;
    });
    const checks = await round;
    const { tokens, identity, revocation } = checks;
    reply.header('cache-control', 'no-store');
    // Password mode: how much of Rocket.Chat's budget is spent. Informative only — a spent budget or a
    // block is Rocket.Chat's, and taking this replica out of service would not lift it.
    const { rocketChatLimits } = fastify.deps;
    const rocketChat = rocketChatLimits ? { rocketChat: summarize(rocketChatLimits) } : {};
    if (tokens && identity && revocation) return reply.code(200).send({ ready: true, checks, ...rocketChat });
    return reply.code(503).send({ ready: false, checks, ...rocketChat });
  });

  if (fastify.deps.rocketChatLimits) registerLimitMetrics(fastify.metrics.registry, fastify.deps.rocketChatLimits);

  // Its login counters tell locked-out from wrong-password attempts apart: METRICS_TOKEN keeps it to the scraper.
  const { metricsToken } = fastify.config;
  const digest = (value: string) => new Uint8Array(createHash('sha256').update(value).digest());
  const expected = metricsToken === undefined ? undefined : digest(`Bearer ${metricsToken}`);
  fastify.get('/metrics', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    }
    reply.type(fastify.metrics.registry.contentType);
    return fastify.metrics.registry.metrics();
  });
};

export default health;
