/**
 * DDP methods over REST (`method.callAnon/:method`), the one the web client calls after a
 * logout: `logoutCleanUp`. Rocket.Chat's method checks only that its argument is an object —
 * no login, the user is taken as the client sent it — and awaits the Apps event
 * IPostUserLoggedOut, which its listener bridge raises with that object converted as given.
 */
import type { Route } from '../context';
import { failure } from '../http';

const logoutCleanUp: Route = {
  method: 'POST',
  path: '/api/v1/method.callAnon/logoutCleanUp',
  auth: false,
  async handle(ctx) {
    let call: { id?: unknown; params?: unknown };
    try {
      call = JSON.parse(String(ctx.body.message)) as typeof call;
    } catch {
      throw failure('Invalid message');
    }
    const [user] = Array.isArray(call.params) ? call.params : [];
    if (typeof user !== 'object' || user === null || Array.isArray(user)) throw failure('Match error: Expected object');
    await ctx.appsEvents.listener?.('IPostUserLoggedOut', user as Record<string, unknown>);
    return { status: 200, body: { success: true, message: JSON.stringify({ msg: 'result', id: call.id }) } };
  },
};

export const methodRoutes: Route[] = [logoutCleanUp];
