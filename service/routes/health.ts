import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthSchema, ReadySchema } from '../schemas/health';

/** Liveness, readiness (what the chosen mode depends on) and Prometheus metrics. */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/healthz', { schema: HealthSchema }, async () => ({ status: 'ok' as const }));

  fastify.get('/readyz', { schema: ReadySchema }, async (_request, reply) => {
    const check = (probe: () => Promise<boolean>) => probe().catch(() => false);
    const { issuer, identity: source, revocations } = fastify.deps;
    // No timeout here: each probe bounds itself, and MongoDB-backed ones share one ping per client (pingMongo).
    const [tokens, identity, revocation] = await Promise.all([issuer, source, revocations].map((part) => check(() => part.ready())));
    const checks = { tokens, identity, revocation };
    reply.header('cache-control', 'no-store');
    if (tokens && identity && revocation) return reply.code(200).send({ ready: true, checks });
    return reply.code(503).send({ ready: false, checks });
  });

  fastify.get('/metrics', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(fastify.metrics.registry.contentType);
    return fastify.metrics.registry.metrics();
  });
};

export default health;
