/**
 * Who is who: the link from a site user (`iss` + `sub`) to the Rocket.Chat user the App
 * created or adopted for them. It tells "the same person came back under a new username"
 * from "a different person has this username", and survives username changes.
 *
 * A `pending` record is written before users.create and removed once the create is linked or
 * refused, so that a user created by an attempt that never learned the outcome is recognised
 * (by the rule in app/contract/accounts.ts) and adopted by the next attempt.
 */
import type { PendingCreate } from '../../contract/accounts';
import { LinkCache } from './linkCache';
import { association, hashKey, Storage } from './records';

interface Link {
  site: string;
  userId: string;
  /** The site's id as it came, kept so a Rocket.Chat logout can name the user to the companion. Links written by versions before single logout lack it until the user's next login. */
  sub?: string;
}

interface Pending {
  site: string;
  username: string;
  email: string;
  /** When the create was attempted (ms since the epoch); records written before this field have none. */
  since?: number;
}

/** A link as found, before anything is written. */
export interface FoundLink {
  userId: string;
  /** From App memory: may be stale, so a user Rocket.Chat does not know means "look again". */
  cached: boolean;
  /** False for a link written by a version before single logout, whose `sub` is learned on use. */
  hasSub: boolean;
}

export class IdentityLinks {
  /** Without the App's cache (callers that only read rarely), a private one that dies with this object. */
  constructor(private readonly storage: Storage, private readonly issuer: string, private readonly cache: LinkCache = new LinkCache()) {}

  private site(sub: string): string {
    return hashKey(this.issuer, sub);
  }

  async userIdOf(sub: string): Promise<string | undefined> {
    const found = await this.find(sub);
    if (found && !found.hasSub) await this.link(sub, found.userId); // once per old link: learn its sub
    return found?.userId;
  }

  /** Reads only (memory, else persistence), so it may run before the assertion's jti is spent. */
  async find(sub: string, fresh = false): Promise<FoundLink | undefined> {
    const site = this.site(sub);
    const cached = fresh ? undefined : this.cache.get(site);
    if (cached !== undefined) return { userId: cached, cached: true, hasSub: true };
    const [link] = (await this.storage.read.readByAssociation(association('site', site))) as Link[];
    if (typeof link?.userId !== 'string') {
      this.cache.forget(site);
      return undefined;
    }
    const hasSub = link.sub === sub;
    // Only complete links are remembered, so a cached one never needs its sub learned.
    if (hasSub) this.cache.set(site, link.userId);
    return { userId: link.userId, cached: false, hasSub };
  }

  /** The site `sub` of a Rocket.Chat user, if linked under the current issuer. */
  async subOf(userId: string): Promise<string | undefined> {
    const [link] = (await this.storage.read.readByAssociation(association('rc-user', userId))) as Link[];
    if (typeof link?.sub !== 'string' || typeof link.site !== 'string' || !this.isSite(link.site, link.sub)) return undefined;
    return link.sub;
  }

  /** The site user a Rocket.Chat user is linked to (hashed), if any. */
  async siteOf(userId: string): Promise<string | undefined> {
    const [link] = (await this.storage.read.readByAssociation(association('rc-user', userId))) as Link[];
    return typeof link?.site === 'string' ? link.site : undefined;
  }

  isSite(site: string, sub: string): boolean {
    return site === this.site(sub);
  }

  async link(sub: string, userId: string): Promise<void> {
    const site = this.site(sub);
    await this.unlink(sub);
    this.cache.forgetUser(userId); // before the removal, for the same reason as in unlink
    await this.storage.write.removeByAssociation(association('rc-user', userId));
    await this.storage.write.createWithAssociations({ site, userId, sub } satisfies Link, [association('site', site), association('rc-user', userId)]);
    this.cache.set(site, userId);
    await this.clearPending(sub);
  }

  async unlink(sub: string): Promise<void> {
    const site = this.site(sub);
    this.cache.forget(site); // first: a failed removal must not leave a link only memory knows
    await this.storage.write.removeByAssociation(association('site', site));
  }

  /** This user's create whose outcome was never learned, if any (see app/contract/accounts.ts). */
  async pending(sub: string): Promise<PendingCreate | undefined> {
    const [record] = (await this.storage.read.readByAssociation(association('pending', this.site(sub)))) as Pending[];
    if (!record || typeof record.username !== 'string' || typeof record.email !== 'string') return undefined;
    // A record without its time cannot show that an account is its result: nothing is adopted by it.
    return { username: record.username, email: record.email, since: typeof record.since === 'number' ? record.since : Number.POSITIVE_INFINITY };
  }

  async clearPending(sub: string): Promise<void> {
    await this.storage.write.removeByAssociation(association('pending', this.site(sub)));
  }

  async markPending(sub: string, username: string, email: string): Promise<void> {
    const site = this.site(sub);
    await this.storage.write.updateByAssociation(association('pending', site), { site, username, email, since: Date.now() } satisfies Pending, true);
  }
}
