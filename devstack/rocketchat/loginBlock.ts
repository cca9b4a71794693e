/**
 * Block_Multiple_Failed_Logins_* (on by default): failed logins are counted per IP and per
 * username since the last successful login of that IP or user, within the block time; at the
 * limit (10 per user, 50 per IP) further logins — right password or wrong — are refused for
 * 5 minutes after the last failed one. The IP is checked first; the user only when the login
 * names a username (not an email). A refused attempt is itself a failed login (onLoginFailure),
 * so trying on during a block keeps it going.
 */
export interface LoginBlockSettings {
  enabled: boolean;
  userAttempts: number;
  ipAttempts: number;
  userMinutes: number;
  ipMinutes: number;
  /** Block_Multiple_Failed_Logins_Ip_Whitelist */
  ipWhitelist: string[];
}

export const LOGIN_BLOCK_DEFAULTS: LoginBlockSettings = { enabled: true, userAttempts: 10, ipAttempts: 50, userMinutes: 5, ipMinutes: 5, ipWhitelist: [] };

interface Record {
  failures: number[];
  lastSuccess: number;
}

export class LoginBlock {
  private readonly ips = new Map<string, Record>();
  private readonly users = new Map<string, Record>();

  constructor(readonly settings: LoginBlockSettings = LOGIN_BLOCK_DEFAULTS) {}

  /** The error code when this attempt is blocked, checked before the password and the second factor. */
  check(ip: string, username: string | undefined): 'error-login-blocked-for-ip' | 'error-login-blocked-for-user' | undefined {
    if (!this.settings.enabled) return undefined;
    if (!this.settings.ipWhitelist.includes(ip) && this.blocked(this.ips.get(ip), this.settings.ipAttempts, this.settings.ipMinutes)) return 'error-login-blocked-for-ip';
    if (username !== undefined && this.blocked(this.users.get(username), this.settings.userAttempts, this.settings.userMinutes)) return 'error-login-blocked-for-user';
    return undefined;
  }

  fail(ip: string, username: string | undefined): void {
    if (!this.settings.enabled) return;
    this.record(this.ips, ip).failures.push(Date.now());
    if (username !== undefined) this.record(this.users, username).failures.push(Date.now());
  }

  succeed(ip: string, username: string): void {
    this.record(this.ips, ip).lastSuccess = Date.now();
    this.record(this.users, username).lastSuccess = Date.now();
  }

  reset(): void {
    this.ips.clear();
    this.users.clear();
  }

  private record(map: Map<string, Record>, key: string): Record {
    let record = map.get(key);
    if (!record) map.set(key, (record = { failures: [], lastSuccess: 0 }));
    return record;
  }

  private blocked(record: Record | undefined, attempts: number, minutes: number): boolean {
    if (!record) return false;
    const now = Date.now();
    const windowMs = minutes * 60_000;
    const counted = record.failures.filter((at) => at > record.lastSuccess && now - at < windowMs);
    record.failures = counted;
    if (counted.length < attempts) return false;
    return now < counted[counted.length - 1] + windowMs;
  }
}
