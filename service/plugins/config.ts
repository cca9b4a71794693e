import fp from 'fastify-plugin';
import type { Config } from '../config';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

/** The validated configuration, typed, for every plugin and route. */
export default fp<{ config: Config }>(
  async (fastify, options) => {
    fastify.decorate('config', options.config);
  },
  { name: 'config' },
);
