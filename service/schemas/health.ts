import { Type } from '@sinclair/typebox';

export const HealthSchema = {
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
};

/** One entry per part the configured mode uses; `revocation` is the session revocation list (memory or MongoDB). */
const Checks = Type.Object({ tokens: Type.Boolean(), identity: Type.Boolean(), revocation: Type.Boolean() });
const Use = Type.Object({ used: Type.Integer(), limit: Type.Integer() });
/** Password mode: Rocket.Chat's per-address budget as this service spends it, and a brute-force block of it. */
const RocketChat = Type.Optional(Type.Object({ budget: Type.Object({ login: Use, me: Use, register: Use }), signInsPausedMinutes: Type.Integer() }));
export const ReadySchema = {
  response: {
    200: Type.Object({ ready: Type.Literal(true), checks: Checks, rocketChat: RocketChat }),
    503: Type.Object({
      ready: Type.Literal(false),
      checks: Checks,
      /** Why each failing check fails: what and how (an error code, an HTTP status, setting ids), never a secret. */
      reasons: Type.Object({ tokens: Type.Optional(Type.String()), identity: Type.Optional(Type.String()), revocation: Type.Optional(Type.String()) }),
      rocketChat: RocketChat,
    }),
  },
};
