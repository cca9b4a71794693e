/**
 * Password logins waiting for a two-factor code. Rocket.Chat wants the password again with
 * the code, so it is kept here — in this process's memory only, for a few minutes, bounded —
 * under a random id that the code form carries, and bound to the browser's CSRF token so a
 * leaked id alone is useless. Taking an entry out removes it: the password never outlives
 * the code step. (One replica holds it: a load balancer needs sticky sessions for the code
 * step, or the user just signs in again.)
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SiteUser } from '../../identity/types';

export interface PendingLogin {
  login: string;
  password: string;
  /** `unknown`: Rocket.Chat's reply did not say whether a code is wanted, or which (login-reply.ts). */
  method: 'email' | 'totp' | 'password' | 'unknown';
  /** Masked address the code went to (email method). */
  emailSentTo?: string;
  /** Wrong codes so far. */
  attempts: number;
  /** The site user vouched for by the identity source (local), if any. */
  siteUser?: SiteUser;
  /** What the companion's lockout counts this login under (modes/password/form.ts), for the code step. */
  lockKey?: string;
  /** The browser's address, whose share of Rocket.Chat's budget the code step spends too. */
  client?: string;
}

interface Entry {
  pending: PendingLogin;
  binding: Uint8Array;
  expiresAt: number;
}

const digest = (value: string) => new Uint8Array(createHash('sha256').update(value).digest());

export class PendingLogins {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 180_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `pending` under a new id, bound to `binding` (the form's CSRF token). */
  put(pending: PendingLogin, binding: string): string {
    this.sweep();
    const id = randomBytes(24).toString('base64url');
    this.entries.set(id, { pending, binding: digest(binding), expiresAt: this.now() + this.ttlMs });
    // Oldest first out: a flood of half-done logins cannot grow memory without bound.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
    return id;
  }

  /** Removes and returns the entry; `undefined` when unknown, expired or bound to another form. */
  take(id: string, binding: string): PendingLogin | undefined {
    const pending = this.peek(id, binding);
    this.entries.delete(id);
    return pending;
  }

  /** The entry, left in place; `undefined` when unknown, expired or bound to another form. */
  peek(id: string, binding: string): PendingLogin | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.expiresAt <= this.now()) return undefined;
    return timingSafeEqual(digest(binding), entry.binding) ? entry.pending : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
