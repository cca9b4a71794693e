import type { Route } from '../context';
import { success } from '../http';

/**
 * settings.public as 7.x+ answers it: `_id=a,b` filters; the old `query={"_id":{"$in":[...]}}`
 * parameter is IGNORED since 7.0 (a client relying on it silently gets the first page of
 * everything); pages of `count` (default 50, 0 = all) from `offset`, sorted by `_id`.
 */
const settingsPublic: Route = {
  method: 'GET',
  path: '/api/v1/settings.public',
  auth: false,
  handle(ctx) {
    const ids = ctx.query.get('_id')?.split(',');
    // MongoDB's order: code points, so upper case before lower case.
    const all = ctx.settings.publicList(ids).sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    const offset = Math.max(0, Number(ctx.query.get('offset') ?? 0) || 0);
    const count = ctx.query.has('count') ? Math.max(0, Number(ctx.query.get('count')) || 0) : 50;
    const page = count === 0 ? all.slice(offset) : all.slice(offset, offset + count);
    return success({ settings: page, count: page.length, offset, total: all.length });
  },
};

const info: Route = {
  method: 'GET',
  path: '/api/info',
  auth: false,
  handle: (ctx) => success({ version: ctx.version }),
};

export const publicRoutes: Route[] = [settingsPublic, info];
