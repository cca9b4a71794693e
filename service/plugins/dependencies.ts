import fp from 'fastify-plugin';
import { createDependencies, type Dependencies } from '../dependencies';
import { createMemoryState } from '../state/memory';

declare module 'fastify' {
  interface FastifyInstance {
    deps: Dependencies;
  }
}

/**
 * The identity source, token issuer and revocation list the config selects; tests pass
 * their own (`deps`) to share a revocation list between two app instances.
 */
export default fp<{ deps?: Partial<Dependencies> }>(
  async (fastify, options) => {
    const given = options.deps ?? {};
    const needsBuild = !given.identity || !given.issuer || !given.revocations;
    const built = needsBuild ? await createDependencies(fastify.config) : undefined;
    const deps: Dependencies = {
      identity: given.identity ?? (built as Dependencies).identity,
      issuer: given.issuer ?? (built as Dependencies).issuer,
      revocations: given.revocations ?? (built as Dependencies).revocations,
      // Tests that hand in the three above share state between instances only when they hand it in too.
      state: given.state ?? built?.state ?? createMemoryState(),
      passwordLogin: given.passwordLogin ?? built?.passwordLogin,
      rocketChatLimits: given.rocketChatLimits ?? built?.rocketChatLimits,
      social: given.social ?? built?.social,
    };
    fastify.decorate('deps', deps);
    // What we built we close; what a caller handed in stays theirs to close.
    if (built) fastify.addHook('onClose', async () => built.close());
  },
  { name: 'dependencies', dependencies: ['config'] },
);
