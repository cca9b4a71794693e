import { Type } from '@sinclair/typebox';
import { PROVIDERS } from '../social/types';
import { PageQuery } from './pages';

/** What the login page posts after a `<provider>-login-success` reply; `response` is the reply's, unchecked until verified. */
export const SocialLoginBody = Type.Object({
  provider: Type.Union(PROVIDERS.map((p) => Type.Literal(p))),
  response: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
  _csrf: Type.Optional(Type.String({ maxLength: 256 })),
});

/** Error codes the page maps to its own translated text. */
const Failure = <T extends string>(code: T) => Type.Object({ error: Type.Literal(code) });

export const SocialLoginSchema = {
  querystring: PageQuery,
  body: SocialLoginBody,
  response: {
    200: Type.Object({ next: Type.String({ description: 'the page that hands the credential to Rocket.Chat' }) }),
    401: Failure('refused'),
    403: Failure('formExpired'),
    404: Failure('not_enabled'),
    503: Failure('unavailable'),
  },
};
