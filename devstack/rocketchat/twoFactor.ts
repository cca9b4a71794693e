import { createHash, createHmac } from 'node:crypto';
import { passwordDigest, randomDigits } from './ids';
import { checkPassword } from './passwords';
import type { SentMail, StoredUser } from './types';

/**
 * Second factor as Rocket.Chat's apps/meteor/app/2fa/server/code does it: methods are tried
 * in the order totp, email; with none enabled, a REST route marked two-factor falls back to
 * the password (code = hex SHA-256 of it), while login never does.
 */

export class TwoFactorError extends Error {
  constructor(
    readonly error: 'totp-required' | 'totp-invalid' | 'totp-max-attempts',
    readonly details: { method: string; availableMethods: string[]; codeGenerated?: boolean; emailOrUsername?: string },
  ) {
    super(error === 'totp-required' ? 'TOTP Required' : error === 'totp-invalid' ? 'TOTP Invalid' : 'TOTP Maximun Failed Attempts Reached');
  }
}

const EMAIL_CODE_SECONDS = 3600; // Accounts_TwoFactorAuthentication_By_Email_Code_Expiration
const MAX_EMAIL_ATTEMPTS = 5; // Accounts_TwoFactorAuthentication_Max_Invalid_Email_Code_Attempts
const REMEMBER_SECONDS = 1800; // Accounts_TwoFactorAuthentication_RememberFor

const hashCode = (code: string): string => createHash('sha256').update(code).digest('hex');

function base32Decode(secret: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(ch);
    if (value >= 0) bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Uint8Array.from(bytes);
}

/** RFC 6238 code (SHA-1, 30 s, 6 digits) — what an authenticator app shows; exported for tests. */
export function totpCode(secret: string, at = Date.now()): string {
  const counter = new Uint8Array(8);
  new DataView(counter.buffer).setBigUint64(0, BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const verifiedEmails = (user: StoredUser): string[] => user.emails.filter((e) => e.verified).map((e) => e.address);

function availableMethods(user: StoredUser): string[] {
  const methods: string[] = [];
  if (user.services.totp?.enabled) methods.push('totp');
  if (user.services.email2fa?.enabled && verifiedEmails(user).length > 0) methods.push('email');
  return methods;
}

export class TwoFactor {
  readonly outbox: SentMail[] = [];

  /** Throws TwoFactorError unless `code` satisfies the user's second factor (or none applies). */
  check(user: StoredUser, code: string | undefined, method: string | undefined, options: { passwordFallback: boolean }): void {
    const available = availableMethods(user);
    if (!options.passwordFallback && available.length === 0) return;
    if (options.passwordFallback && Date.now() - user.createdAt.getTime() < REMEMBER_SECONDS * 1000) return;
    const selected = method && ['totp', 'email'].includes(method) ? method : (available[0] ?? (user.services.password ? 'password' : undefined));
    if (!selected) return;
    const data = selected === 'email' ? this.emailCodeState(user) : {};
    const details = { method: selected, ...data, availableMethods: available };
    if (!code) throw new TwoFactorError('totp-required', details);
    if (this.verify(user, selected, code)) return;
    if (selected === 'email' && (user.services.emailCode?.attempts ?? 0) >= MAX_EMAIL_ATTEMPTS) throw new TwoFactorError('totp-max-attempts', details);
    throw new TwoFactorError('totp-invalid', details);
  }

  private verify(user: StoredUser, method: string, code: string): boolean {
    if (method === 'totp') {
      const secret = user.services.totp?.secret;
      return !!secret && [-1, 0, 1].some((step) => totpCode(secret, Date.now() + step * 30_000) === code.replace(/\s/g, ''));
    }
    if (method === 'email') {
      const stored = user.services.emailCode;
      if (!availableMethods(user).includes('email') || !stored || stored.expire < new Date()) return false;
      if (stored.hash === hashCode(code.replace(/\D/g, ''))) {
        delete user.services.emailCode;
        return true;
      }
      stored.attempts += 1;
      return false;
    }
    return checkPassword(user.services.password?.scrypt, { digest: code, algorithm: 'sha-256' });
  }

  // A code is (re)sent unless one with more than 5 minutes left exists.
  private emailCodeState(user: StoredUser): { codeGenerated: boolean; emailOrUsername: string } {
    const emailOrUsername = user.username || verifiedEmails(user)[0];
    const existing = user.services.emailCode;
    if (existing && existing.expire.getTime() - Date.now() > 5 * 60_000 && existing.attempts < MAX_EMAIL_ATTEMPTS) {
      return { codeGenerated: false, emailOrUsername };
    }
    const code = randomDigits(6);
    user.services.emailCode = { hash: hashCode(code), expire: new Date(Date.now() + EMAIL_CODE_SECONDS * 1000), attempts: 0 };
    for (const to of verifiedEmails(user)) this.outbox.push({ to, subject: 'Authentication code', code });
    return { codeGenerated: true, emailOrUsername };
  }
}

export { passwordDigest };
