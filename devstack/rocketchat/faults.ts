import type { FaultSettings } from './types';

/** Run-time failure modes other suites switch on to see how the bridge copes with a sick Rocket.Chat. */
export class Faults {
  current: FaultSettings = {};

  applies(path: string): boolean {
    return !this.current.paths || this.current.paths.test(path);
  }
}

// Cut short on purpose: a body that starts as JSON and stops mid-value.
export const MALFORMED_JSON = '{"success": true, "data": {"authToken": ';
