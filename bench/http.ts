/** Plain HTTP/1.1 over a keep-alive agent: the browser-like logins and the bounded loops. */
import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `name=value` of a Set-Cookie, or undefined. */
export function cookieOf(reply: Reply, name: string): string | undefined {
  const header = reply.headers['set-cookie'];
  const lines = Array.isArray(header) ? header : header ? [header] : [];
  const line = lines.find((l) => l.startsWith(`${name}=`));
  return line?.split(';')[0];
}

export const CSRF_COOKIE = '__Host-rcib_csrf';
export const SESSION_COOKIE = '__Host-rcib_session';

export interface LoginForm {
  /** `__Host-rcib_csrf=...`, to send back as Cookie. */
  csrfCookie: string;
  csrfToken: string;
}

/** GET /login as a browser would: the CSRF cookie and the form's hidden token. */
export async function openLoginPage(companionUrl: string): Promise<LoginForm> {
  const page = await send(`${companionUrl}/login`);
  const csrfCookie = cookieOf(page, CSRF_COOKIE);
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !csrfCookie || !csrfToken) throw new Error(`GET /login: ${page.status}, no CSRF cookie or token`);
  return { csrfCookie, csrfToken };
}

/** The form POST's request, reusable: the token stays valid as long as its cookie does. */
export function loginRequest(companionUrl: string, form: LoginForm, user: { username: string; password: string }) {
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: form.csrfCookie,
      origin: new URL(companionUrl).origin,
    },
    body: new URLSearchParams({ username: user.username, password: user.password, _csrf: form.csrfToken }).toString(),
  };
}

/**
 * One real login over HTTP; returns the session cookie (`__Host-rcib_session=...`). A status
 * other than `expect` throws: e.g. 503 is expected when the App is made to fail on purpose.
 */
export async function logIn(companionUrl: string, user: { username: string; password: string }, expect = 200): Promise<string> {
  const form = await openLoginPage(companionUrl);
  const { headers, body } = loginRequest(companionUrl, form, user);
  const reply = await send(`${companionUrl}/login`, { method: 'POST', headers, body });
  const session = cookieOf(reply, SESSION_COOKIE);
  if (reply.status !== expect || !session) throw new Error(`POST /login: ${reply.status} (expected ${expect}), session cookie ${session ? 'set' : 'missing'}`);
  return session;
}
