import type { Config } from '../config';
import type { Fetcher, ProbeAnswer } from './probe';

/** WARN: works, but not as it should in production; SKIP: does not apply to this mode. */
export type Outcome = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

export interface CheckResult {
  title: string;
  outcome: Outcome;
  detail: string;
  /** What to change; every FAIL and WARN has one. */
  fix?: string;
}

export interface DoctorContext {
  config: Config;
  fetch: Fetcher;
  /** The same GET answered once for every check that reads it (the login page, Rocket.Chat's settings). */
  get(url: string): Promise<ProbeAnswer>;
}

export type Check = (context: DoctorContext) => Promise<CheckResult>;

export const pass = (title: string, detail: string): CheckResult => ({ title, outcome: 'PASS', detail });
export const warn = (title: string, detail: string, fix: string): CheckResult => ({ title, outcome: 'WARN', detail, fix });
export const fail = (title: string, detail: string, fix: string): CheckResult => ({ title, outcome: 'FAIL', detail, fix });
export const skip = (title: string, detail: string): CheckResult => ({ title, outcome: 'SKIP', detail });
