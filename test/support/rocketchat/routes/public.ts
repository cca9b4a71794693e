import type { Route } from '../context';
import { failure, success } from '../http';

/** Ids asked for: `_id=a,b` (recent servers) or `query={"_id":{"$in":[...]}}` (parseJsonQuery, older ones). */
function requestedIds(query: URLSearchParams): string[] | undefined {
  const ids = query.get('_id');
  if (ids) return ids.split(',');
  const raw = query.get('query');
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw failure('Invalid query parameter provided in the URL.', 'error-invalid-query');
  }
  const id = (parsed as { _id?: unknown })?._id;
  if (typeof id === 'string') return [id];
  const list = (id as { $in?: unknown })?.$in;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : undefined;
}

const settingsPublic: Route = {
  method: 'GET',
  path: '/api/v1/settings.public',
  auth: false,
  handle(ctx) {
    const list = ctx.settings.publicList(requestedIds(ctx.query));
    return success({ settings: list, count: list.length, offset: 0, total: list.length });
  },
};

const info: Route = {
  method: 'GET',
  path: '/api/info',
  auth: false,
  handle: (ctx) => success({ version: ctx.version }),
};

export const publicRoutes: Route[] = [settingsPublic, info];
