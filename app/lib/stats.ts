/**
 * What `status` reports about logins since the App process started: kept in memory only
 * (a restart or an App update resets them), so counting costs a login nothing.
 */
export interface LoginCounts {
  logins: number;
  rejections: Record<string, number>;
}

export class LoginStats {
  private lastLogin?: Date;
  private logins = 0;
  private readonly rejections = new Map<string, number>();

  recordLogin(at: Date = new Date()): void {
    this.logins += 1;
    this.lastLogin = at;
  }

  /** `reason`: the contract's machine code (e.g. `expired`, `auto_create_off`), else the error code. */
  recordRejection(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }

  get lastLoginAt(): string | null {
    return this.lastLogin ? this.lastLogin.toISOString() : null;
  }

  counts(): LoginCounts {
    return { logins: this.logins, rejections: Object.fromEntries(this.rejections) };
  }
}
