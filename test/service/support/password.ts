/** Password mode against the Rocket.Chat stand-in: the companion calls its REST API for real. */
import type { FastifyInstance } from 'fastify';
import { startRocketChat, type RocketChatOptions, type RocketChatStandIn } from '../../../devstack/rocketchat';
import { cookieJar, csrfFrom, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, startHarness, type Harness } from './harness';

export const OLD = new Date('2024-01-01T00:00:00Z');
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface PasswordHarness extends Harness {
  rc: RocketChatStandIn;
}

export async function startPasswordHarness(options: { env?: Record<string, string | undefined>; rc?: RocketChatOptions; deps?: NonNullable<Parameters<typeof startHarness>[0]>['deps'] } = {}): Promise<PasswordHarness> {
  const rc = await startRocketChat(options.rc);
  // ROCKETCHAT_URL stays the public origin; the REST calls go to the internal URL.
  const h = await startHarness({ env: { TOKEN_MODE: 'password', ROCKETCHAT_REST_URL: rc.url, ...options.env }, deps: options.deps });
  return {
    ...h,
    rc,
    async close() {
      await h.close();
      await rc.close();
    },
  };
}

/** alice in Rocket.Chat with the site's password; old enough for 2FA to apply. */
export function rcAlice(rc: RocketChatStandIn, twoFactor?: { email?: boolean; totpSecret?: string }) {
  return rc.createUser({ username: 'alice', email: 'alice@example.com', name: 'Alice', password: PASSWORD, verified: true, createdAt: OLD, twoFactor });
}

export const pendingFrom = (html: string): string => {
  const match = /name="pendingId" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no pending login in page');
  return match[1];
};

export const loginTokenFrom = (html: string): string | undefined => /data-login-token="([^"]+)"/.exec(html)?.[1];

export type Jar = ReturnType<typeof cookieJar>;

/** POST /login-code as the page's own form would. */
export async function submitCode(app: FastifyInstance, jar: Jar, page: string, code: string, query = '') {
  const response = await app.inject({
    method: 'POST',
    url: `/login-code${query}`,
    headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ pendingId: pendingFrom(page), code, _csrf: csrfFrom(page) }).toString(),
  });
  jar.take(response.headers['set-cookie']);
  return response;
}

export function apiSession(app: FastifyInstance, jar: Jar) {
  return app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
}

/** Does Rocket.Chat take this token? */
export async function rcAccepts(rc: RocketChatStandIn, userId: string, token: string): Promise<boolean> {
  const response = await fetch(`${rc.url}/api/v1/me`, { headers: { 'x-user-id': userId, 'x-auth-token': token } });
  return response.status === 200;
}
