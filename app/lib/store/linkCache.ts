/**
 * Site user → Rocket.Chat user links remembered in App memory, so a returning user's login
 * needs no persistence read. Only a hint: every entry is checked against Rocket.Chat
 * (the user reader) before use, and a user Rocket.Chat no longer knows sends the lookup back
 * to persistence. Entries expire, because another Rocket.Chat instance's App process
 * may re-link a site user without this process hearing of it.
 */
const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  userId: string;
  until: number;
}

export class LinkCache {
  private readonly entries = new Map<string, Entry>();
  /** userId → site, so evicting by user costs no scan. */
  private readonly sites = new Map<string, string>();

  constructor(private readonly clock: () => number = Date.now) {}

  get(site: string): string | undefined {
    const entry = this.entries.get(site);
    if (!entry) return undefined;
    if (entry.until > this.clock()) return entry.userId;
    this.forget(site);
    return undefined;
  }

  /** A user linked to one site user at a time: an older entry naming the same user goes. */
  set(site: string, userId: string): void {
    this.forgetUser(userId);
    this.forget(site); // re-inserted last: Map order is age order for eviction
    this.entries.set(site, { userId, until: this.clock() + TTL_MS });
    this.sites.set(userId, site);
    // Oldest first; losing an entry only costs its next login one persistence read.
    while (this.entries.size > MAX_ENTRIES) this.forget(this.entries.keys().next().value as string);
  }

  forget(site: string): void {
    const entry = this.entries.get(site);
    if (!entry) return;
    this.entries.delete(site);
    this.sites.delete(entry.userId);
  }

  forgetUser(userId: string): void {
    const site = this.sites.get(userId);
    if (site !== undefined) this.forget(site);
  }

  get size(): number {
    return this.entries.size;
  }
}
