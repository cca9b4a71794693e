import fp from 'fastify-plugin';
import { createTranslator, type Translator } from '../i18n/translator';

declare module 'fastify' {
  interface FastifyInstance {
    /** The pages' strings in every language, with the operator's overrides (MESSAGES_DIR). */
    i18n: Translator;
  }
}

/** Built once at start: catalogues are read and checked before the first request. */
export default fp(
  async (fastify) => {
    const { defaultLanguage, overrides } = fastify.config.i18n;
    fastify.decorate('i18n', createTranslator({ defaultLanguage, overrides }));
  },
  { name: 'i18n', dependencies: ['config'] },
);
