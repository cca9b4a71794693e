import { Type } from '@sinclair/typebox';

/** Exactly one of the two: Rocket.Chat 7.8+ calls both logins when both are present. */
export const CredentialReply = Type.Union([
  Type.Object({ loginToken: Type.String() }, { additionalProperties: false }),
  Type.Object({ token: Type.String() }, { additionalProperties: false }),
]);

/** Rocket.Chat treats any non-200 as "show the iframe"; an empty body leaks nothing. */
export const EmptyReply = Type.Null({ description: 'empty body' });

export const ApiSessionSchema = {
  response: { 200: CredentialReply, 401: EmptyReply, 503: EmptyReply },
};
