import fp from 'fastify-plugin';
import { Lockout } from '../flow/lockout';

declare module 'fastify' {
  interface FastifyInstance {
    /** The per-account lockout every password check goes through (the login form, the code step). */
    lockout: Lockout;
  }
}

export default fp(
  async (fastify) => {
    const { limits } = fastify.config;
    fastify.decorate('lockout', new Lockout({ threshold: limits.lockoutThreshold, baseSeconds: limits.lockoutBaseSeconds, maxSeconds: limits.lockoutMaxSeconds }));
  },
  { name: 'lockout', dependencies: ['config'] },
);
