import { limitedUser, listedUser, publicUser, type Route, type RouteContext } from '../context';
import { failure, forbidden, str, success } from '../http';
import { hashPassword } from '../passwords';
import { hasPermission } from '../permissions';
import type { StoredUser } from '../types';
import { asFailure, checkTwoFactor, requirePermission, requireSaveUserPermission, required } from './checks';

const info: Route = {
  method: 'GET',
  path: '/api/v1/users.info',
  auth: true,
  handle(ctx) {
    // users.info's "User not found." has no errorType.
    const userId = ctx.query.get('userId');
    const username = ctx.query.get('username');
    if (!userId && !username) throw failure('Invalid search query.');
    const user = ctx.store.find(userId ? { userId } : { username: username! });
    if (!user) throw failure('User not found.');
    const full = user._id === ctx.caller!.user._id || hasPermission(ctx.caller!.user, 'view-full-other-user-info');
    return success({ user: full ? publicUser(user) : limitedUser(user) });
  },
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** users.listByStatus (findPaginatedUsersByStatus): emails are searched only with view-full-other-user-info. */
const listByStatus: Route = {
  method: 'GET',
  path: '/api/v1/users.listByStatus',
  auth: true,
  handle(ctx) {
    if (!hasPermission(ctx.caller!.user, 'view-d-room')) throw forbidden();
    const q = ctx.query;
    const status = q.get('status');
    const hasLoggedIn = q.get('hasLoggedIn');
    const type = q.get('type');
    const roles = q.getAll('roles[]').concat(q.getAll('roles'));
    const term = q.get('searchTerm')?.trim();
    const pattern = term ? new RegExp(escapeRegExp(term), 'i') : undefined;
    const withEmails = hasPermission(ctx.caller!.user, 'view-full-other-user-info');
    const users = ctx.store
      .all()
      .filter((u) => (status === 'active' ? u.active : status === 'deactivated' ? !u.active : true))
      .filter((u) => (hasLoggedIn === null ? true : (hasLoggedIn === 'true') === !!u.lastLogin))
      .filter((u) => !type || u.type === type)
      .filter((u) => roles.length === 0 || roles.includes('all') || u.roles.some((r) => roles.includes(r)))
      .filter((u) => !pattern || pattern.test(u.username) || pattern.test(u.name) || (withEmails && u.emails.some((e) => pattern.test(e.address))))
      .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
    const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
    const count = q.has('count') ? Math.max(0, Number(q.get('count')) || 0) : 50;
    const page = (count === 0 ? users.slice(offset) : users.slice(offset, offset + count)).map(listedUser);
    return success({ users: page, count: page.length, offset, total: users.length });
  },
};

const create: Route = {
  method: 'POST',
  path: '/api/v1/users.create',
  auth: true,
  handle(ctx) {
    requireSaveUserPermission(ctx, 'create-user', 'Adding_user');
    const email = required(ctx, 'email');
    const name = required(ctx, 'name');
    const username = required(ctx, 'username');
    const password = required(ctx, 'password');
    const roles = Array.isArray(ctx.body.roles) ? ctx.body.roles.filter((r): r is string => typeof r === 'string') : undefined;
    let user: StoredUser;
    try {
      user = ctx.store.create({
        email,
        name,
        username,
        password,
        roles,
        active: typeof ctx.body.active === 'boolean' ? ctx.body.active : undefined,
        verified: typeof ctx.body.verified === 'boolean' ? ctx.body.verified : undefined,
      });
    } catch (err) {
      asFailure(err);
    }
    if (ctx.body.requirePasswordChange === true) user.requirePasswordChange = true;
    if (ctx.body.customFields && typeof ctx.body.customFields === 'object') user.customFields = ctx.body.customFields as Record<string, unknown>;
    return success({ user: publicUser(user) });
  },
};

const update: Route = {
  method: 'POST',
  path: '/api/v1/users.update',
  auth: true,
  handle(ctx) {
    const userId = required(ctx, 'userId');
    const data = ctx.body.data;
    if (!data || typeof data !== 'object') throw failure("must have required property 'data'", 'invalid-params');
    checkTwoFactor(ctx); // route-level, so before the permission check inside saveUser
    if (userId !== ctx.caller!.user._id) requireSaveUserPermission(ctx, 'edit-other-user-info', 'Editing_user');
    const user = ctx.store.byUserId(userId);
    if (!user) throw failure('User not found', 'error-invalid-user');
    const d = data as Record<string, unknown>;
    try {
      ctx.store.assertAvailable({ username: str(d.username), email: str(d.email) }, user._id);
    } catch (err) {
      asFailure(err);
    }
    if (typeof d.username === 'string') user.username = d.username;
    if (typeof d.name === 'string') user.name = d.name;
    if (typeof d.email === 'string') user.emails = [{ address: d.email, verified: d.verified === true }];
    else if (typeof d.verified === 'boolean') user.emails = user.emails.map((e) => ({ ...e, verified: d.verified as boolean }));
    if (typeof d.password === 'string') user.services.password = { scrypt: hashPassword(d.password) };
    if (Array.isArray(d.roles)) user.roles = d.roles.filter((r): r is string => typeof r === 'string');
    if (typeof d.active === 'boolean') setActive(ctx, user, d.active);
    if (d.customFields && typeof d.customFields === 'object') user.customFields = { ...user.customFields, ...(d.customFields as Record<string, unknown>) };
    user._updatedAt = new Date();
    return success({ user: publicUser(user) });
  },
};

// setUserActiveStatus: deactivating also removes every login token.
function setActive(ctx: RouteContext, user: StoredUser, active: boolean): void {
  user.active = active;
  if (!active) ctx.store.removeAllTokens(user);
}

const setActiveStatus: Route = {
  method: 'POST',
  path: '/api/v1/users.setActiveStatus',
  auth: true,
  handle(ctx) {
    requirePermission(ctx, 'edit-other-user-active-status');
    const userId = required(ctx, 'userId');
    if (typeof ctx.body.activeStatus !== 'boolean') throw failure("must have required property 'activeStatus'", 'invalid-params');
    const user = ctx.store.byUserId(userId);
    if (!user) throw failure('User not found', 'error-invalid-user');
    setActive(ctx, user, ctx.body.activeStatus);
    return success({ user: { _id: user._id, active: user.active } });
  },
};

const register: Route = {
  method: 'POST',
  path: '/api/v1/users.register',
  auth: false,
  rateLimit: (settings) => settings.registerCalls, // Rate_Limiter_Limit_RegisterUser
  handle(ctx) {
    if (ctx.caller) throw failure('Logged in users can not register again.');
    const username = required(ctx, 'username');
    const email = required(ctx, 'email');
    const pass = required(ctx, 'pass');
    const name = required(ctx, 'name');
    if (ctx.store.byUsername(username)) throw failure('Username is already in use');
    if (!ctx.settings.registrationOpen()) throw failure('User registration is disabled', 'error-user-registration-disabled');
    let user: StoredUser;
    try {
      user = ctx.store.create({ username, email, password: pass, name });
    } catch (err) {
      asFailure(err);
    }
    return success({ user: publicUser(user) });
  },
};

export const userRoutes: Route[] = [info, listByStatus, create, update, setActiveStatus, register];
