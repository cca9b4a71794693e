import fp from 'fastify-plugin';
import { Lockout, type LockoutEntry } from '../flow/lockout';

declare module 'fastify' {
  interface FastifyInstance {
    /** The per-account lockout every password check goes through (the login form, the code step). */
    lockout: Lockout;
  }
}

export default fp(
  async (fastify) => {
    const { limits } = fastify.config;
    // Bounded in memory: a flood of made-up logins pushes the least recent out, never grows without limit.
    const records = fastify.deps.state.records<LockoutEntry>('lockout', { maxEntries: 50_000 });
    fastify.decorate('lockout', new Lockout(records, { threshold: limits.lockoutThreshold, baseSeconds: limits.lockoutBaseSeconds, maxSeconds: limits.lockoutMaxSeconds }));
  },
  { name: 'lockout', dependencies: ['config', 'dependencies'] },
);
