import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthSchema, ReadySchema } from '../schemas/health';
import { registerLimitMetrics, summarize } from '../modes/password/limits-report';
import { notReadyReason } from '../readiness';

type Part = 'tokens' | 'identity' | 'revocation';
interface Round {
  checks: Record<Part, boolean>;
  /** Why each failing check fails (readiness.ts: no secrets). */
  reasons: Partial<Record<Part, string>>;
}

/** Liveness, readiness (what the chosen mode depends on) and Prometheus metrics. */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/healthz', { schema: HealthSchema }, async () => ({ status: 'ok' as const }));

  // Each /readyz asks the App, the identity source and MongoDB: requests that arrive while one
  // round is under way share its answer, so a flood of them is not passed on to those services.
  let round: Promise<Round> | undefined;
  const probeAll = async (): Promise<Round> => {
    const check = (probe: () => Promise<boolean>) => probe().then((ok) => (ok ? undefined : 'not ready'), notReadyReason);
    const { issuer, identity: source, revocations } = fastify.deps;
    // No timeout here: each probe bounds itself, and MongoDB-backed ones share one ping per client (pingMongo).
    const [tokens, identity, revocation] = await Promise.all([issuer, source, revocations].map((part) => check(() => part.ready())));
    const failing = Object.entries({ tokens, identity, revocation }).filter((entry): entry is [Part, string] => entry[1] !== undefined);
    return { checks: { tokens: tokens === undefined, identity: identity === undefined, revocation: revocation === undefined }, reasons: Object.fromEntries(failing) };
  };
  // Logged once when the answer changes, not on every probe an orchestrator sends.
  let lastSaid = '';
  const logChange = ({ reasons }: Round) => {
    const said = JSON.stringify(reasons);
    if (said === lastSaid) return;
    lastSaid = said;
    if (Object.keys(reasons).length === 0) fastify.log.info('ready');
    else fastify.log.warn({ reasons }, 'not ready');
  };

  fastify.get('/readyz', { schema: ReadySchema }, async (_request, reply) => {
    round ??= probeAll().finally(() => {
      round = undefined;
    });
    const answer = await round;
    logChange(answer);
    const { checks, reasons } = answer;
    reply.header('cache-control', 'no-store');
    // Password mode: how much of Rocket.Chat's budget is spent. Informative only — a spent budget or a
    // block is Rocket.Chat's, and taking this replica out of service would not lift it.
    const { rocketChatLimits } = fastify.deps;
    const rocketChat = rocketChatLimits ? { rocketChat: summarize(rocketChatLimits) } : {};
    if (checks.tokens && checks.identity && checks.revocation) return reply.code(200).send({ ready: true, checks, ...rocketChat });
    return reply.code(503).send({ ready: false, checks, reasons, ...rocketChat });
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
