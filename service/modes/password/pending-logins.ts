/**
 * Password logins waiting for a two-factor code. Rocket.Chat wants the password again with the
 * code, so it is kept — for a few minutes, in the state stores (service/state), so that with
 * MONGODB_URL the code may be posted to any replica — under a random id that the code form
 * carries, and bound to the browser's CSRF token so a leaked id alone is useless. Taking an entry
 * out removes it: the password never outlives the code step.
 *
 * Never in clear, in memory or in MongoDB: each entry is sealed (JWE, dir + A256GCM) with a key derived
 * from SESSION_SECRET *and* the entry's id, and stored under a hash of the id. The id exists only
 * in the user's code form, so the store alone (a database dump, a backup) opens nothing, and
 * neither does the store with the secret; only a request carrying the id does.
 */
import { createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import type { SiteUser } from '../../identity/types';
import type { Records } from '../../state/types';

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

/** What the store holds of one entry: the binding's hash (base64url) and the sealed login (compact JWE). */
export interface SealedLogin {
  binding: string;
  sealed: string;
}

/** Entries one process keeps at most (MongoDB: none is evicted; each expires). */
export const MAX_PENDING_LOGINS = 10_000;

const digest = (value: string) => new Uint8Array(createHash('sha256').update(value).digest());
const hashOf = (value: string) => Buffer.from(digest(value)).toString('base64url');

export class PendingLogins {
  constructor(
    private readonly records: Records<SealedLogin>,
    private readonly secret: string,
    private readonly ttlMs = 180_000,
    private readonly now: () => number = Date.now,
  ) {}

  private keyOf(id: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.secret, id, 'pending two-factor login v1', 32));
  }

  private seal(id: string, pending: PendingLogin): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(pending))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(this.keyOf(id));
  }

  private async open(id: string, entry: SealedLogin | undefined, binding: string): Promise<PendingLogin | undefined> {
    const bound = entry && new Uint8Array(Buffer.from(entry.binding, 'base64url'));
    if (!bound || bound.length !== 32 || !timingSafeEqual(digest(binding), bound)) return undefined;
    try {
      const { plaintext } = await compactDecrypt(entry.sealed, this.keyOf(id), { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      return JSON.parse(new TextDecoder().decode(plaintext)) as PendingLogin;
    } catch {
      // Sealed under another SESSION_SECRET (a replica still on the old one): as good as expired.
      return undefined;
    }
  }

  /** Keeps `pending` under a new id, bound to `binding` (the form's CSRF token). */
  async put(pending: PendingLogin, binding: string): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    await this.records.put(hashOf(id), { binding: hashOf(binding), sealed: await this.seal(id, pending) }, this.now() + this.ttlMs);
    return id;
  }

  /** Removes and returns the entry; `undefined` when unknown, expired or bound to another form (which burns it). */
  async take(id: string, binding: string): Promise<PendingLogin | undefined> {
    return this.open(id, await this.records.take(hashOf(id)), binding);
  }

  /** The entry, left in place; `undefined` when unknown, expired or bound to another form. */
  async peek(id: string, binding: string): Promise<PendingLogin | undefined> {
    return this.open(id, await this.records.get(hashOf(id)), binding);
  }
}
