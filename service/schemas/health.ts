import { Type } from '@sinclair/typebox';

export const HealthSchema = {
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
};

/** One entry per part the configured mode uses; `revocation` is the session revocation list (memory or MongoDB). */
const Checks = Type.Object({ tokens: Type.Boolean(), identity: Type.Boolean(), revocation: Type.Boolean() });
export const ReadySchema = {
  response: {
    200: Type.Object({ ready: Type.Literal(true), checks: Checks }),
    503: Type.Object({ ready: Type.Literal(false), checks: Checks }),
  },
};
