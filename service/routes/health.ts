import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthSchema, ReadySchema } from '../schemas/health';

/** Liveness, readiness (what the chosen mode depends on) and Prometheus metrics. */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/healthz', { schema: HealthSchema }, async () => ({ status: 'ok' as const }));

  fastify.get('/readyz', { schema: ReadySchema }, async (_request, reply) => {
    const check = (probe: () => Promise<boolean>) => probe().catch(() => false);
    const [tokens, identity] = await Promise.all([check(() => fastify.deps.issuer.ready()), check(() => fastify.deps.identity.ready())]);
    const checks = { tokens, identity };
    reply.header('cache-control', 'no-store');
    if (tokens && identity) return reply.code(200).send({ ready: true, checks });
    return reply.code(503).send({ ready: false, checks });
  });

  fastify.get('/metrics', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(fastify.metrics.registry.contentType);
    return fastify.metrics.registry.metrics();
  });
};

export default health;
