import type { RouteContext } from '../context';
import { failure, notAllowed, str } from '../http';
import { hasPermission } from '../permissions';
import { FieldUnavailableError, InvalidFieldError } from '../store';
import { TwoFactorError } from '../twoFactor';
import type { StoredUser } from '../types';

/** Checks shared by the user routes, each worded as the Rocket.Chat code path it stands for. */

export function requirePermission(ctx: RouteContext, permission: string): void {
  if (!hasPermission(ctx.caller?.user, permission)) throw notAllowed();
}

// saveUser's validateUserEditing: permission failures are ordinary 400 failures there.
export function requireSaveUserPermission(ctx: RouteContext, permission: string, action: 'Adding_user' | 'Editing_user'): void {
  if (hasPermission(ctx.caller?.user, permission)) return;
  const reason = action === 'Adding_user' ? 'Adding user is not allowed' : 'Editing user is not allowed';
  throw failure(reason, 'error-action-not-allowed', { method: 'insertOrUpdateUser', action });
}

export const required = (ctx: RouteContext, field: string): string => {
  const value = ctx.body[field];
  if (typeof value !== 'string' || value === '') throw failure(`must have required property '${field}'`, 'invalid-params');
  return value;
};

/** Store errors as Rocket.Chat words them (insertOrUpdateUser / validateUserData). */
export function asFailure(err: unknown): never {
  if (err instanceof FieldUnavailableError) throw failure(err.message, 'error-field-unavailable', { method: 'insertOrUpdateUser', field: err.field });
  if (err instanceof InvalidFieldError) throw failure(err.message, err.errorType, { method: 'insertOrUpdateUser' });
  throw err;
}

export function userFromParams(ctx: RouteContext, source: 'query' | 'body'): StoredUser {
  const get = (key: string): string | undefined => (source === 'query' ? (ctx.query.get(key) ?? undefined) : str(ctx.body[key]));
  const userId = get('userId');
  const username = get('username');
  if (!userId && !username) throw failure('The required "userId" or "username" param was not provided', 'error-user-param-not-provided');
  const user = ctx.store.find(userId ? { userId } : { username });
  if (!user) throw failure('User not found.', 'error-invalid-user');
  return user;
}

/** Routes marked `twoFactorRequired`: a PAT with bypassTwoFactor passes, anyone else proves a second factor (password fallback). */
export function checkTwoFactor(ctx: RouteContext): void {
  const { user, loginToken } = ctx.caller!;
  if (loginToken.bypassTwoFactor) return;
  try {
    ctx.twoFactor.check(user, str(ctx.headers['x-2fa-code']), str(ctx.headers['x-2fa-method']), { passwordFallback: true });
  } catch (err) {
    if (err instanceof TwoFactorError) throw failure(err.message, err.error, err.details);
    throw err;
  }
}
