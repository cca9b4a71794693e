/**
 * The companion's reachability for `status` and the settings page's status line: one quick
 * `GET /healthz`, remembered a few seconds so that polling `status` never turns into load on
 * the companion. A listener hears when the answer for the same URL flips.
 */
import type { IHttp } from '@rocket.chat/apps-engine/definition/accessors';
import { callCompanion } from './http';

export const PROBE_TIMEOUT_MS = 1500;
export const PROBE_CACHE_MS = 5000;

export class CompanionProbe {
  private last?: { url: string; at: number; reachable: boolean };
  private listener?: (reachable: boolean) => void;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Called when a probe of the same URL answers differently from the previous one; must only schedule work. */
  onChange(listener: (reachable: boolean) => void): void {
    this.listener = listener;
  }

  async reachable(http: IHttp, companionUrl: string): Promise<boolean> {
    const now = this.clock();
    if (this.last && this.last.url === companionUrl && now - this.last.at < PROBE_CACHE_MS) return this.last.reachable;
    let reachable = false;
    try {
      reachable = (await callCompanion(http, 'GET', `${companionUrl}/healthz`, {}, PROBE_TIMEOUT_MS)).statusCode === 200;
    } catch {
      reachable = false;
    }
    const flipped = this.last !== undefined && this.last.url === companionUrl && this.last.reachable !== reachable;
    this.last = { url: companionUrl, at: this.clock(), reachable };
    if (flipped) {
      try {
        this.listener?.(reachable);
      } catch {
        // A listener never fails a probe.
      }
    }
    return reachable;
  }
}
