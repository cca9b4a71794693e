import type { RocketChatStandIn } from '../../devstack/rocketchat';

export interface Auth {
  userId: string;
  token: string;
}

/** One REST call to the stand-in; the body is parsed when it is JSON. */
export async function call(
  rc: RocketChatStandIn,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; auth?: Auth; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.auth) {
    headers['x-user-id'] = options.auth.userId;
    headers['x-auth-token'] = options.auth.token;
  }
  const res = await fetch(rc.url + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

export const adminAuth = (rc: RocketChatStandIn): Auth => ({ userId: rc.admin.userId, token: rc.admin.token });
