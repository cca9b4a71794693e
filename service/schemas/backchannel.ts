import { Type } from '@sinclair/typebox';

/** JSON per our contract; the same field as a form also works (OIDC Back-Channel Logout posts a form). */
export const BackchannelLogoutSchema = {
  body: Type.Object({ logout_token: Type.String({ minLength: 1, maxLength: 8192 }) }),
  response: {
    200: Type.Object({ loggedOut: Type.Literal(true) }, { additionalProperties: false }),
    400: Type.Object({ error: Type.Literal('invalid_request') }, { additionalProperties: false }),
    401: Type.Object({ error: Type.Literal('invalid_token') }, { additionalProperties: false }),
  },
};
