/**
 * The App, from outside: its status, and whether it agrees with the companion on keys, issuer and
 * clocks. The round trip must have no side effect, so it never logs anybody in: both probes carry
 * a wrong audience (the App cannot accept them whatever its clock says) and the App's answer tells
 * how far they got. The App checks, in order, signature, lifetime, times, `iss`, then `aud`
 * (app/contract/claims.ts), so:
 *   - an expired probe answered `expired` proves the App verified our signature: keys match;
 *   - a fresh probe answered `wrong_audience` proves signature, lifetime, clocks and `iss` all passed.
 * What no side-effect-free probe can prove is that ASSERTION_AUDIENCE equals the App's
 * `assertion_audience`: the first real login does (a mismatch is logged as `wrong_audience`).
 */
import { randomBytes } from 'node:crypto';
import type { StatusReply } from '../../app/contract/replies';
import type { SiteUser } from '../identity/types';
import { createAssertionSigner } from '../modes/app/assertion';
import { describeFailure, parseJson } from './probe';
import { fail, pass, skip, type Check, type CheckResult, type DoctorContext } from './types';

const PROBE_AUDIENCE = 'urn:iframe-auth-bridge:doctor-probe';
/** A user nobody has: even a broken App would find no account to log in. */
const PROBE_USER: SiteUser = { sub: `doctor-probe-${randomBytes(6).toString('hex')}`, username: 'doctor-probe', email: 'doctor-probe@example.invalid', email_verified: false, name: 'Doctor probe' };

function appSettings(context: DoctorContext) {
  const { config } = context;
  if (config.tokenMode !== 'app' || !config.app) return undefined;
  return config.app;
}

export const appStatusCheck: Check = async (context) => {
  const title = 'App status reachable and configured';
  const app = appSettings(context);
  if (!app) return skip(title, `TOKEN_MODE=${context.config.tokenMode}: no App involved`);
  let answer;
  try {
    answer = await context.fetch(app.statusUrl, { headers: { accept: 'application/json' } });
  } catch (error) {
    return fail(title, `${app.statusUrl}: ${describeFailure(error)}`, 'check APP_LOGIN_URL (or APP_STATUS_URL) and that the App is installed and enabled');
  }
  const body = parseJson(answer.text) as Partial<StatusReply> | undefined;
  if (answer.status !== 200 || typeof body?.configured !== 'boolean') {
    return fail(title, `${app.statusUrl} answered ${answer.status}`, 'check APP_LOGIN_URL: it is /api/apps/public/<appId>/login on Rocket.Chat, and the App must be enabled');
  }
  if (!body.configured) {
    return fail(title, `not configured; missing: ${(body.missing ?? []).join(', ') || '(unknown)'}`, "fill in those settings in the App's settings page (Administration > Apps > Iframe auth bridge)");
  }
  return pass(title, `configured${body.version ? `, version ${body.version}` : ''}`);
};

/** What a probe's refusal says about the setup, when it is not the refusal we wanted. */
function diagnose(reason: string): string {
  switch (reason) {
    case 'bad_signature':
    case 'unknown_key':
    case 'alg_not_allowed':
      return "the App does not accept our key: ASSERTION_SECRET must equal the App's assertion_secret, or the App's assertion_public_keys must hold ASSERTION_PRIVATE_KEY's public key (and the App must allow its algorithm)";
    case 'wrong_issuer':
      return "ASSERTION_ISSUER must equal the App's assertion_issuer";
    case 'lifetime_too_long':
      return "ASSERTION_LIFETIME_SECONDS exceeds the App's assertion_max_lifetime_seconds";
    case 'issued_in_future':
    case 'expired':
    case 'not_yet_valid':
      return 'the clocks disagree: synchronise both hosts with NTP';
    default:
      return 'compare the companion and App settings (see the README)';
  }
}

async function probe(context: DoctorContext, options: { backdateSeconds: number; expected: string }): Promise<{ ok: true } | { ok: false; detail: string; fix: string }> {
  const { config } = context;
  const app = appSettings(context);
  const key = config.assertion.key;
  if (!app || !key) return { ok: false, detail: 'no App or no key configured', fix: 'set APP_LOGIN_URL and ASSERTION_SECRET or ASSERTION_PRIVATE_KEY' };
  const now = Math.floor(Date.now() / 1000) - options.backdateSeconds;
  const signer = createAssertionSigner({ key, issuer: config.assertion.issuer, audience: PROBE_AUDIENCE, lifetimeSeconds: config.assertion.lifetimeSeconds, now: () => now });
  let answer;
  try {
    answer = await context.fetch(app.loginUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ assertion: await signer.sign(PROBE_USER) }),
    });
  } catch (error) {
    return { ok: false, detail: `${app.loginUrl}: ${describeFailure(error)}`, fix: 'check APP_LOGIN_URL' };
  }
  const body = parseJson(answer.text) as { error?: unknown; reason?: unknown; missing?: unknown } | undefined;
  if (answer.status === 401 && body?.error === 'invalid_assertion' && body.reason === options.expected) return { ok: true };
  if (answer.status === 401 && body?.error === 'invalid_assertion') return { ok: false, detail: `a probe expecting "${options.expected}" was refused as "${String(body.reason)}"`, fix: diagnose(String(body.reason)) };
  if (answer.status === 503) return { ok: false, detail: 'the App is not configured', fix: 'fix "App status reachable and configured" first' };
  if (answer.status === 200) return { ok: false, detail: `the App ACCEPTED an assertion it must refuse (${options.expected})`, fix: 'the App is not verifying assertions: reinstall it and report this' };
  return { ok: false, detail: `${app.loginUrl} answered ${answer.status}`, fix: 'check APP_LOGIN_URL: /api/apps/public/<appId>/login on Rocket.Chat' };
}

export const assertionRoundTripCheck: Check = async (context): Promise<CheckResult> => {
  const title = 'The App verifies our assertions (keys, issuer, clocks)';
  if (!appSettings(context)) return skip(title, `TOKEN_MODE=${context.config.tokenMode}: no App involved`);
  // Ten minutes old: expired whatever skew the App allows.
  const expired = await probe(context, { backdateSeconds: 600, expected: 'expired' });
  if (!expired.ok) return fail(title, expired.detail, expired.fix);
  const fresh = await probe(context, { backdateSeconds: 0, expected: 'wrong_audience' });
  if (!fresh.ok) return fail(title, fresh.detail, fresh.fix);
  return pass(title, `signature, lifetime, clocks and iss accepted (probes refused as expected, nothing created); aud "${context.config.assertion.audience}" is proven by the first real login`);
};
