/** What Rocket.Chat's web client and the framed login page need from the companion's headers. */
import { sameSite } from '../config';
import { describeFailure, parseJson, type ProbeAnswer } from './probe';
import { fail, pass, warn, type Check, type DoctorContext } from './types';
import { companionUrl, settingsUrl } from './urls';

/** Never a real site: a grant to it means the companion grants any origin. */
export const FOREIGN_ORIGIN = 'https://doctor-probe.example.invalid';

/** The API Method Rocket.Chat is set to (POST when it cannot be read: the default). */
async function apiMethod(context: DoctorContext): Promise<'POST' | 'GET'> {
  try {
    const body = parseJson((await context.get(settingsUrl(context.config))).text) as { settings?: { _id: string; value: unknown }[] } | undefined;
    const value = body?.settings?.find((s) => s._id === 'Accounts_Iframe_api_method')?.value;
    return String(value).toUpperCase() === 'GET' ? 'GET' : 'POST';
  } catch {
    return 'POST';
  }
}

function grant(answer: ProbeAnswer): { origin: string | null; credentials: string | null } {
  return { origin: answer.headers.get('access-control-allow-origin'), credentials: answer.headers.get('access-control-allow-credentials') };
}

const CORS_FIX = 'the API URL must answer Access-Control-Allow-Origin equal to the Rocket.Chat origin (never * or any origin) with Access-Control-Allow-Credentials: true; check ROCKETCHAT_URL and that no proxy rewrites CORS headers';

export const corsPreflightCheck: Check = async (context) => {
  const title = 'CORS preflight from the Rocket.Chat origin';
  const origin = context.config.rocketChatOrigin;
  const method = await apiMethod(context);
  const url = companionUrl(context.config, 'api/session');
  let answer;
  try {
    // Some 7.x clients send Content-Type: application/json, which makes the browser ask first.
    answer = await context.fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' } });
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'fix "Companion reachable" first');
  }
  const { origin: allowed, credentials } = grant(answer);
  const headers = (answer.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  const problems: string[] = [];
  if (answer.status < 200 || answer.status > 299) problems.push(`status ${answer.status}`);
  if (allowed !== origin) problems.push(`Access-Control-Allow-Origin is ${JSON.stringify(allowed)}`);
  if (credentials !== 'true') problems.push(`Access-Control-Allow-Credentials is ${JSON.stringify(credentials)}`);
  if (!headers.includes('content-type')) problems.push('Content-Type is not an allowed header');
  if (problems.length > 0) return fail(title, problems.join('; '), CORS_FIX);
  return pass(title, `${method} from ${origin} allowed with credentials`);
};

export const corsCredentialedCheck: Check = async (context) => {
  const title = 'Credentialed API URL call from the Rocket.Chat origin';
  const origin = context.config.rocketChatOrigin;
  const method = await apiMethod(context);
  const url = companionUrl(context.config, 'api/session');
  let answer;
  try {
    answer = await context.fetch(url, { method, headers: { origin } });
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'fix "Companion reachable" first');
  }
  const { origin: allowed, credentials } = grant(answer);
  const problems: string[] = [];
  // Without a session the answer is 401: the client then shows the Iframe URL.
  if (answer.status !== 401 && answer.status !== 200) problems.push(`status ${answer.status} (expected 401 without a session)`);
  if (allowed !== origin) problems.push(`Access-Control-Allow-Origin is ${JSON.stringify(allowed)}`);
  if (credentials !== 'true') problems.push(`Access-Control-Allow-Credentials is ${JSON.stringify(credentials)}`);
  if (problems.length > 0) return fail(title, problems.join('; '), CORS_FIX);
  return pass(title, `${method} answered ${answer.status} with exact origin and credentials`);
};

export const corsForeignCheck: Check = async (context) => {
  const title = 'CORS refuses a foreign origin';
  const url = companionUrl(context.config, 'api/session');
  const headers = { origin: FOREIGN_ORIGIN };
  let answers;
  try {
    answers = await Promise.all([
      context.fetch(url, { method: 'OPTIONS', headers: { ...headers, 'access-control-request-method': 'POST' } }),
      context.fetch(url, { method: 'POST', headers }),
    ]);
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'fix "Companion reachable" first');
  }
  const granted = answers.map((answer) => grant(answer).origin).filter((origin) => origin !== null);
  if (granted.length > 0) {
    return fail(title, `${FOREIGN_ORIGIN} was granted Access-Control-Allow-Origin: ${granted.join(', ')}`, `any site could then read users' chat logins: ${CORS_FIX}`);
  }
  return pass(title, `${FOREIGN_ORIGIN} gets no CORS grant`);
};

/** Attributes of one Set-Cookie line, names lower-cased. */
function attributes(line: string): { name: string; attrs: Map<string, string> } {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const attrs = new Map(rest.map((part) => {
    const index = part.indexOf('=');
    return index < 0 ? [part.toLowerCase(), ''] : [part.slice(0, index).toLowerCase(), part.slice(index + 1)];
  }));
  return { name: pair.slice(0, pair.indexOf('=')), attrs };
}

export const cookieCheck: Check = async (context) => {
  const { config } = context;
  const crossSite = !sameSite(new URL(config.rocketChatUrl), config.publicUrl);
  const title = `Cookie attributes for a ${crossSite ? 'cross-site' : 'same-site'} deployment`;
  const url = companionUrl(config, 'login');
  let lines: string[];
  try {
    lines = (await context.get(url)).headers.getSetCookie();
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'fix "Companion reachable" first');
  }
  if (lines.length === 0) return fail(title, `GET ${url} set no cookie`, 'the login page must set its CSRF cookie; check that no proxy strips Set-Cookie');
  const problems: string[] = [];
  let partitioned = true;
  for (const { name, attrs } of lines.map(attributes)) {
    const sameSiteValue = (attrs.get('samesite') ?? '').toLowerCase();
    if (!attrs.has('secure')) problems.push(`${name} lacks Secure`);
    if (!attrs.has('httponly')) problems.push(`${name} lacks HttpOnly`);
    if (crossSite && sameSiteValue !== 'none') problems.push(`${name} is SameSite=${sameSiteValue || '(unset, Lax)'}, the iframe on another site never sends it`);
    if (!crossSite && sameSiteValue === 'strict') problems.push(`${name} is SameSite=Strict`);
    if (name.startsWith('__Host-') && (attrs.has('domain') || attrs.get('path') !== '/')) problems.push(`${name} breaks the __Host- rules (Path=/, no Domain)`);
    if (!attrs.has('partitioned')) partitioned = false;
  }
  if (problems.length > 0) {
    return fail(title, problems.join('; '), crossSite ? 'cookies must be Secure; SameSite=None over https; check that a proxy does not rewrite them' : 'cookies must be Secure and HttpOnly; check that a proxy does not rewrite them');
  }
  if (crossSite && !partitioned) {
    return warn(title, 'Secure; SameSite=None, not Partitioned', 'browsers that block third-party cookies drop these inside the iframe: set COOKIE_PARTITIONED=true, or serve the companion on the same site as Rocket.Chat');
  }
  return pass(title, crossSite ? 'Secure; SameSite=None; Partitioned' : 'Secure; HttpOnly; same site as Rocket.Chat');
};

/** The sources of one CSP directive across every policy header, lower-cased name. */
function directive(policies: string, name: string): string[] | undefined {
  for (const part of policies.split(/[;,]/)) {
    const [key, ...sources] = part.trim().split(/\s+/);
    if (key?.toLowerCase() === name) return sources;
  }
  return undefined;
}

export const frameAncestorsCheck: Check = async (context) => {
  const title = 'The login page may be framed by Rocket.Chat only';
  const origin = context.config.rocketChatOrigin;
  const url = companionUrl(context.config, 'login');
  let answer;
  try {
    answer = await context.get(url);
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'fix "Companion reachable" first');
  }
  const sources = directive(answer.headers.get('content-security-policy') ?? '', 'frame-ancestors');
  const frameOptions = answer.headers.get('x-frame-options');
  const fix = `send Content-Security-Policy frame-ancestors ${origin} on ${url} and no X-Frame-Options (check ROCKETCHAT_URL, and that the proxy adds neither its own CSP nor X-Frame-Options)`;
  if (sources === undefined) return fail(title, 'no frame-ancestors directive: any site may frame the login page', fix);
  if (sources.length !== 1 || sources[0].replace(/\/$/, '') !== origin) return fail(title, `frame-ancestors is "${sources.join(' ')}", expected "${origin}"`, fix);
  if (frameOptions) return fail(title, `X-Frame-Options: ${frameOptions} is also sent; older browsers then refuse the iframe`, fix);
  return pass(title, `frame-ancestors ${origin}`);
};

/** Only that the route is there and refuses what is not a valid token; a real logout token would end someone's sessions. */
export const backchannelCheck: Check = async (context) => {
  const title = 'Back-channel logout endpoint';
  if (!context.config.backchannel) return { title, outcome: 'SKIP', detail: 'BACKCHANNEL_SECRET is not set: Rocket.Chat logouts do not end site sessions' };
  const url = companionUrl(context.config, 'backchannel/logout');
  let answer;
  try {
    answer = await context.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ logout_token: 'doctor-probe' }) });
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'fix "Companion reachable" first');
  }
  const body = parseJson(answer.text) as { error?: unknown } | undefined;
  if (answer.status === 401 && body?.error === 'invalid_token') return pass(title, `${url} refuses an invalid token with 401`);
  if (answer.status === 403) return warn(title, `${url} answered 403 to this host`, 'fine if your proxy lets only the App and your site reach it; run the doctor from one of those to check it');
  if (answer.status === 404) return fail(title, `${url} answered 404`, 'the companion serving PUBLIC_URL has no BACKCHANNEL_SECRET (or the proxy does not pass the path)');
  return fail(title, `${url} answered ${answer.status} to an invalid token`, 'PUBLIC_URL does not reach this companion\'s back-channel route; check the proxy');
};
