import fp from 'fastify-plugin';
import { createMode } from '../modes';
import type { Mode } from '../modes/types';

declare module 'fastify' {
  interface FastifyInstance {
    /** The token mode chosen at start (modes/index.ts). */
    mode: Mode;
  }
}

export default fp(
  async (fastify) => {
    fastify.decorate('mode', createMode(fastify.config, fastify.deps, fastify.log));
  },
  { name: 'mode', dependencies: ['config', 'dependencies'] },
);
