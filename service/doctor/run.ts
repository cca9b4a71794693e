/** Runs every check in the order an operator fixes things, and prints one line per check. */
import type { Config } from '../config';
import { appStatusCheck, assertionRoundTripCheck } from './app-checks';
import { backchannelCheck, cookieCheck, corsCredentialedCheck, corsForeignCheck, corsPreflightCheck, frameAncestorsCheck } from './browser-checks';
import { clockSkewCheck, companionReachableCheck, httpsCheck, iframeSettingsCheck, replicasCheck, rocketChatReachableCheck } from './deployment-checks';
import { passwordBudgetCheck } from './password-checks';
import { createFetcher, type Fetcher, type ProbeAnswer } from './probe';
import type { Check, CheckResult, DoctorContext } from './types';

export const CHECKS: Check[] = [
  httpsCheck,
  replicasCheck,
  companionReachableCheck,
  rocketChatReachableCheck,
  iframeSettingsCheck,
  corsPreflightCheck,
  corsCredentialedCheck,
  corsForeignCheck,
  cookieCheck,
  frameAncestorsCheck,
  appStatusCheck,
  assertionRoundTripCheck,
  backchannelCheck,
  clockSkewCheck,
];

export function createContext(config: Config, fetch: Fetcher = createFetcher(5000)): DoctorContext {
  const answers = new Map<string, Promise<ProbeAnswer>>();
  return {
    config,
    fetch,
    get(url) {
      if (!answers.has(url)) answers.set(url, fetch(url));
      return answers.get(url) as Promise<ProbeAnswer>;
    },
  };
}

export async function runDoctor(config: Config, options: { fetch?: Fetcher } = {}): Promise<CheckResult[]> {
  const context = createContext(config, options.fetch);
  const results: CheckResult[] = [];
  // Rocket.Chat's per-address limits matter only where the companion logs in as the users.
  const checks = config.tokenMode === 'password' ? [...CHECKS, passwordBudgetCheck] : CHECKS;
  for (const check of checks) {
    try {
      results.push(await check(context));
    } catch (error) {
      // A check that throws is a bug in the doctor, not a verdict on the deployment; still a failure.
      results.push({ title: check.name, outcome: 'FAIL', detail: error instanceof Error ? error.message : String(error), fix: 'report this doctor bug' });
    }
  }
  return results;
}

export function formatResults(results: CheckResult[]): string {
  const lines = results.map((r) => `${r.outcome.padEnd(4)}  ${r.title}: ${r.detail}${r.fix ? `\n      fix: ${r.fix}` : ''}`);
  const count = (outcome: CheckResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  lines.push(`\n${count('PASS')} passed, ${count('WARN')} warnings, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
  return lines.join('\n');
}

export const failed = (results: CheckResult[]): boolean => results.some((r) => r.outcome === 'FAIL');
