/**
 * What `status` reports about logins since the App process started: kept in memory only
 * (a restart or an App update resets them), so counting costs a login nothing. A listener
 * (the settings page's status line) hears of each count; it must only schedule work.
 */
export interface LoginCounts {
  logins: number;
  rejections: Record<string, number>;
}

export class LoginStats {
  private lastLogin?: Date;
  private logins = 0;
  private readonly rejections = new Map<string, number>();
  private listener?: () => void;

  /** Called synchronously after each count, on the login's path: it must return at once and never throw. */
  onRecord(listener: () => void): void {
    this.listener = listener;
  }

  recordLogin(at: Date = new Date()): void {
    this.logins += 1;
    this.lastLogin = at;
    this.notify();
  }

  /** `reason`: the contract's machine code (e.g. `expired`, `auto_create_off`), else the error code. */
  recordRejection(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
    this.notify();
  }

  private notify(): void {
    try {
      this.listener?.();
    } catch {
      // Counting never fails a login.
    }
  }

  get lastLoginAt(): string | null {
    return this.lastLogin ? this.lastLogin.toISOString() : null;
  }

  counts(): LoginCounts {
    return { logins: this.logins, rejections: Object.fromEntries(this.rejections) };
  }
}
