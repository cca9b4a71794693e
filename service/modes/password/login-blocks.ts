/**
 * Rocket.Chat's brute-force block (Block_Multiple_Failed_Logins_*), remembered: while it lasts
 * every login Rocket.Chat is asked for is refused — and counted as one more failure, which
 * prolongs it — so the companion answers by itself until the block has run out. An IP block
 * stops every login (all come from this service's address); a user block, that account's.
 * Rocket.Chat does not say how long: the operator's configured minutes are the estimate.
 */
export class LoginBlocks {
  private ipUntil = 0;
  private readonly users = new Map<string, number>();

  constructor(
    private readonly minutes: number,
    private readonly now: () => number,
    private readonly maxUsers = 50_000,
  ) {}

  remember(scope: 'ip' | 'user', login: string): { scope: 'ip' | 'user'; minutes: number } {
    const until = this.now() + this.minutes * 60_000;
    if (scope === 'ip') this.ipUntil = until;
    else {
      this.users.delete(key(login));
      this.users.set(key(login), until);
      for (const first of this.users.keys()) {
        if (this.users.size <= this.maxUsers) break;
        this.users.delete(first);
      }
    }
    return { scope, minutes: this.minutes };
  }

  /** The block this login is under now, with whole minutes left. */
  current(login: string): { scope: 'ip' | 'user'; minutes: number } | undefined {
    const now = this.now();
    if (this.ipUntil > now) return { scope: 'ip', minutes: Math.ceil((this.ipUntil - now) / 60_000) };
    const until = this.users.get(key(login));
    if (until === undefined) return undefined;
    if (until > now) return { scope: 'user', minutes: Math.ceil((until - now) / 60_000) };
    this.users.delete(key(login));
    return undefined;
  }

  clear(login: string): void {
    this.users.delete(key(login));
  }

  /** Whether sign-ins from this service are paused, for /readyz and the logs. */
  ipBlockedUntil(): number {
    return this.ipUntil > this.now() ? this.ipUntil : 0;
  }
}

const key = (login: string) => login.trim().toLowerCase();
