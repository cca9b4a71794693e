/** What a browser meets: HTTPS, both hosts reachable, Rocket.Chat's Iframe settings, clocks. */
import { describeFailure, parseJson } from './probe';
import { fail, pass, warn, type Check } from './types';
import { companionUrl, IFRAME_SETTINGS, isLoopback, samePage, settingsUrl } from './urls';

export const httpsCheck: Check = async ({ config }) => {
  const title = 'HTTPS on both URLs';
  const urls = [
    ['ROCKETCHAT_URL', new URL(config.rocketChatUrl)],
    ['PUBLIC_URL', config.publicUrl],
  ] as const;
  const plain = urls.filter(([, url]) => url.protocol !== 'https:');
  if (plain.length === 0) return pass(title, 'both are https');
  const names = plain.length === 1 ? `${plain[0][0]} uses` : 'ROCKETCHAT_URL and PUBLIC_URL use';
  // Browsers treat loopback as a secure context: fine for a trial, never for users.
  if (plain.every(([, url]) => isLoopback(url))) return warn(title, `${names} http on a loopback address`, 'serve both over https before real users arrive');
  return fail(title, `${names} plain http`, 'serve both over https (a reverse proxy terminating TLS, see deploy/nginx.conf): Secure cookies and SameSite=None need it');
};

/**
 * How many replicas this configuration supports. The doctor cannot count the replicas running,
 * so it says which shape is safe: with MONGODB_URL any number; without it one process only, as
 * lockouts, pending two-factor logins, limits and ended sessions then live in that process.
 */
export const replicasCheck: Check = async ({ config }) => {
  const title = 'Replicas';
  if (config.mongo) return pass(title, 'lockouts, pending two-factor logins, limits and ended sessions are shared through MongoDB: run as many replicas as you like');
  return pass(title, 'one replica: lockouts, pending two-factor logins, limits and ended sessions live in this process (set MONGODB_URL before running more than one)');
};

export const companionReachableCheck: Check = async ({ config, fetch }) => {
  const title = 'Companion reachable';
  const url = companionUrl(config, 'healthz');
  try {
    const answer = await fetch(url);
    if (answer.status === 200) return pass(title, `${url} answered 200`);
    return fail(title, `${url} answered ${answer.status}`, 'check that PUBLIC_URL is where the companion is served (proxy location, path prefix)');
  } catch (error) {
    return fail(title, `${url}: ${describeFailure(error)}`, 'start the companion (npm start) and check PUBLIC_URL, DNS and the proxy');
  }
};

interface PublicSetting {
  _id: string;
  value: unknown;
}

/** settings.public's reply, or why it is not one. */
async function readIframeSettings(context: Parameters<Check>[0]): Promise<Map<string, unknown> | string> {
  const url = settingsUrl(context.config);
  let answer;
  try {
    answer = await context.get(url);
  } catch (error) {
    return `${url}: ${describeFailure(error)}`;
  }
  const body = parseJson(answer.text) as { success?: unknown; settings?: unknown } | undefined;
  if (answer.status !== 200 || body?.success !== true || !Array.isArray(body.settings)) return `${url} answered ${answer.status} without a settings list`;
  return new Map((body.settings as PublicSetting[]).map((setting) => [setting._id, setting.value]));
}

export const rocketChatReachableCheck: Check = async (context) => {
  const title = 'Rocket.Chat reachable';
  const settings = await readIframeSettings(context);
  if (typeof settings === 'string') return fail(title, settings, 'check ROCKETCHAT_URL (the public URL users open) and that Rocket.Chat is up');
  return pass(title, `${context.config.rocketChatUrl} answered its public settings`);
};

export const iframeSettingsCheck: Check = async (context) => {
  const title = "Rocket.Chat's Iframe settings point at this companion";
  const settings = await readIframeSettings(context);
  if (typeof settings === 'string') return fail(title, 'could not read them', 'fix "Rocket.Chat reachable" first');
  const login = companionUrl(context.config, 'login');
  const api = companionUrl(context.config, 'api/session');
  const wrong: string[] = [];
  const show = (id: string) => JSON.stringify(settings.get(id) ?? null);
  for (const id of IFRAME_SETTINGS) if (!settings.has(id)) wrong.push(`${id} is not in the public settings`);
  if (settings.has(IFRAME_SETTINGS[0]) && settings.get('Accounts_iframe_enabled') !== true) wrong.push(`Accounts_iframe_enabled is ${show('Accounts_iframe_enabled')}`);
  if (settings.has(IFRAME_SETTINGS[1]) && !samePage(String(settings.get('Accounts_iframe_url')), login)) wrong.push(`Accounts_iframe_url is ${show('Accounts_iframe_url')}, expected "${login}"`);
  if (settings.has(IFRAME_SETTINGS[2]) && !samePage(String(settings.get('Accounts_Iframe_api_url')), api)) wrong.push(`Accounts_Iframe_api_url is ${show('Accounts_Iframe_api_url')}, expected "${api}"`);
  const method = String(settings.get('Accounts_Iframe_api_method') ?? '').toUpperCase();
  if (settings.has(IFRAME_SETTINGS[3]) && method !== 'POST' && method !== 'GET') wrong.push(`Accounts_Iframe_api_method is ${show('Accounts_Iframe_api_method')}, expected POST or GET`);
  if (wrong.length > 0) {
    return fail(title, wrong.join('; '), `in Rocket.Chat, Administration > Workspace > Settings > Accounts > Iframe: enable it, Iframe URL ${login}, API URL ${api}, API Method POST (or let the App manage them)`);
  }
  return pass(title, `enabled, ${login}, ${api}, ${method}`);
};

/** The host's clock minus ours, from its Date header; undefined when it sends none. */
function offsetSeconds(answer: { headers: Headers; localMidpointMs: number }): number | undefined {
  const date = Date.parse(answer.headers.get('date') ?? '');
  return Number.isNaN(date) ? undefined : (date - answer.localMidpointMs) / 1000;
}

/** Date headers have whole seconds, so a second or two is noise. Assertions live 30 s and the App allows 30 s of skew. */
const SKEW_WARN_SECONDS = 5;
const SKEW_FAIL_SECONDS = 15;

export const clockSkewCheck: Check = async (context) => {
  const title = 'Clocks of Rocket.Chat and the companion agree';
  let offsets: (number | undefined)[];
  try {
    const answers = await Promise.all([context.get(settingsUrl(context.config)), context.get(companionUrl(context.config, 'login'))]);
    offsets = answers.map(offsetSeconds);
  } catch (error) {
    return fail(title, `could not ask both hosts: ${describeFailure(error)}`, 'fix the reachability checks first');
  }
  const [rocketChat, companion] = offsets;
  if (rocketChat === undefined || companion === undefined) return warn(title, 'a host sent no Date header', 'let the server (or proxy) send Date headers so skew can be measured');
  const skew = Math.abs(rocketChat - companion);
  const detail = `Rocket.Chat is ${(rocketChat - companion).toFixed(0)} s from the companion`;
  const fix = 'synchronise both hosts with NTP (chrony or systemd-timesyncd): assertions live 30 s and the App allows 30 s of skew';
  if (skew > SKEW_FAIL_SECONDS) return fail(title, detail, fix);
  if (skew > SKEW_WARN_SECONDS) return warn(title, detail, fix);
  return pass(title, detail);
};
