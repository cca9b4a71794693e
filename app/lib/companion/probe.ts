/**
 * The companion's reachability for `status`: one quick `GET /healthz`, remembered a few
 * seconds so that polling `status` never turns into load on the companion.
 */
import type { IHttp } from '@rocket.chat/apps-engine/definition/accessors';
import { callCompanion } from './http';

export const PROBE_TIMEOUT_MS = 1500;
export const PROBE_CACHE_MS = 5000;

export class CompanionProbe {
  private last?: { url: string; at: number; reachable: boolean };

  constructor(private readonly clock: () => number = Date.now) {}

  async reachable(http: IHttp, companionUrl: string): Promise<boolean> {
    const now = this.clock();
    if (this.last && this.last.url === companionUrl && now - this.last.at < PROBE_CACHE_MS) return this.last.reachable;
    let reachable = false;
    try {
      reachable = (await callCompanion(http, 'GET', `${companionUrl}/healthz`, {}, PROBE_TIMEOUT_MS)).statusCode === 200;
    } catch {
      reachable = false;
    }
    this.last = { url: companionUrl, at: this.clock(), reachable };
    return reachable;
  }
}
