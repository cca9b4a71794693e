/**
 * Is the companion fit to be Rocket.Chat's Iframe URL and API URL? Checked before the App
 * rewrites Rocket.Chat's Iframe settings, because a wrong Iframe URL locks admins out of
 * the web client (docs/rocketchat.md). What a browser on the Rocket.Chat origin would meet:
 *  1. `GET /healthz` answers 200 (the process is up at that URL);
 *  2. `GET /readyz` answers 200 (the companion reaches this App's `status` and finds it
 *     configured, and its identity source works): the assertion path, end to end;
 *  3. `POST /api/session` with `Origin: <Site_Url origin>` grants exactly that origin with
 *     credentials (401 or 200: no session is needed to see the CORS grant);
 *  4. `GET /login` answers 200 and, if it sends a CSP `frame-ancestors`, allows that origin.
 */
import type { IHttp } from '@rocket.chat/apps-engine/definition/accessors';
import { callCompanion, CompanionUnreachable, header } from './http';

export type CheckResult = { ok: true } | { ok: false; reason: string };

class CheckFailed extends Error {}

export async function checkCompanion(http: IHttp, companionUrl: string, rocketChatOrigin: string): Promise<CheckResult> {
  try {
    await expectStatus(http, `${companionUrl}/healthz`, [200], 'healthz');
    await expectStatus(http, `${companionUrl}/readyz`, [200], 'readyz (does the companion reach this App\'s status, configured?)');
    await checkCors(http, `${companionUrl}/api/session`, rocketChatOrigin);
    await checkLoginPage(http, `${companionUrl}/login`, rocketChatOrigin);
    return { ok: true };
  } catch (error) {
    if (error instanceof CheckFailed) return { ok: false, reason: error.message };
    if (error instanceof CompanionUnreachable) return { ok: false, reason: `unreachable: ${error.message}` };
    throw error;
  }
}

async function expectStatus(http: IHttp, url: string, statuses: number[], what: string): Promise<void> {
  const response = await callCompanion(http, 'GET', url, { headers: { Accept: 'application/json' } });
  if (!statuses.includes(response.statusCode)) throw new CheckFailed(`${what}: HTTP ${response.statusCode}`);
}

async function checkCors(http: IHttp, url: string, origin: string): Promise<void> {
  const response = await callCompanion(http, 'POST', url, { headers: { Origin: origin } });
  if (response.statusCode !== 200 && response.statusCode !== 401) throw new CheckFailed(`api/session: HTTP ${response.statusCode}`);
  const granted = header(response, 'access-control-allow-origin');
  if (granted !== origin) throw new CheckFailed(`api/session: CORS grants ${granted === undefined ? 'no origin' : JSON.stringify(granted.slice(0, 100))}, not ${origin} (companion ROCKETCHAT_URL must be the Site URL's origin)`);
  if (header(response, 'access-control-allow-credentials') !== 'true') throw new CheckFailed('api/session: CORS without Access-Control-Allow-Credentials: true');
}

async function checkLoginPage(http: IHttp, url: string, origin: string): Promise<void> {
  const response = await callCompanion(http, 'GET', url, { headers: { Accept: 'text/html' } });
  if (response.statusCode !== 200) throw new CheckFailed(`login: HTTP ${response.statusCode}`);
  const policy = header(response, 'content-security-policy');
  const ancestors = policy?.split(';').map((part) => part.trim()).find((part) => part.toLowerCase().startsWith('frame-ancestors'));
  if (ancestors !== undefined && !ancestors.split(/\s+/).slice(1).includes(origin)) {
    throw new CheckFailed(`login: frame-ancestors does not allow ${origin}`);
  }
}
