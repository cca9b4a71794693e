import type { Route } from '../context';
import { failure, str, success } from '../http';
import { hasPermission } from '../permissions';
import { requirePermission, userFromParams } from './checks';

/** Routes that mint or revoke another user's login tokens. */

const createToken: Route = {
  method: 'POST',
  path: '/api/v1/users.createToken',
  auth: true,
  handle(ctx) {
    const { createToken: config } = ctx;
    const notAuthorized = (): never => {
      throw failure('Not authorized', 'error-not-authorized', { method: 'createToken' });
    };
    if (config.mode === '7.x' && !config.enabled) notAuthorized();
    // 8.x: `secret` is a required param, then compared to CREATE_TOKENS_FOR_USERS_SECRET.
    if (config.mode === '8.x' && typeof ctx.body.secret !== 'string') throw failure("must have required property 'secret'", 'invalid-params');
    if (config.mode === '8.x' && (!config.secret || ctx.body.secret !== config.secret)) notAuthorized();
    const target = userFromParams(ctx, 'body');
    if (target._id !== ctx.caller!.user._id && !hasPermission(ctx.caller!.user, 'user-generate-access-token')) notAuthorized();
    const authToken = ctx.store.issueResumeToken(target);
    return success({ data: { userId: target._id, authToken } });
  },
};

const logoutOther: Route = {
  method: 'POST',
  path: '/api/v1/users.logout',
  auth: true,
  handle(ctx) {
    const userId = str(ctx.body.userId) ?? ctx.caller!.user._id;
    if (userId !== ctx.caller!.user._id) requirePermission(ctx, 'logout-other-user');
    const user = ctx.store.byUserId(userId);
    if (!user) throw failure('Invalid user', 'error-invalid-user');
    ctx.store.removeAllTokens(user);
    return success({ message: `User ${userId} has been logged out!` });
  },
};

export const tokenRoutes: Route[] = [createToken, logoutOther];
