/**
 * Rocket.Chat's answer about a held token, kept briefly. A signed-in page reload asks
 * `/api/v1/me`, and those calls share one per-address limit with every other user: without
 * this a client reloading ten times a minute would spend it for all. Keyed by a SHA-256 of the
 * token — the token itself is never kept here. Bounded; oldest out first.
 */
import { createHash } from 'node:crypto';

export class HeldTokenCache {
  private readonly answers = new Map<string, { alive: boolean; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(token: string): boolean | undefined {
    const key = digest(token);
    const entry = this.answers.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at < this.ttlMs) return entry.alive;
    this.answers.delete(key);
    return undefined;
  }

  set(token: string, alive: boolean): void {
    const key = digest(token);
    this.answers.delete(key);
    this.answers.set(key, { alive, at: this.now() });
    for (const first of this.answers.keys()) {
      if (this.answers.size <= this.maxEntries) break;
      this.answers.delete(first);
    }
  }

  forget(token: string): void {
    this.answers.delete(digest(token));
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
