/** A user of the `local` identity source, as stored (scrypt hash, never the password). */
export interface LocalUser {
  sub: string;
  username: string;
  email: string;
  email_verified: boolean;
  name: string;
  roles?: string[];
  /** `scrypt$N$r$p$<salt b64>$<hash b64>` */
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  /**
   * Seconds since the epoch: companion sessions made before this are no longer honoured
   * (set when the password changes or the user is disabled). Absent: every session stands.
   */
  sessionsValidFrom?: number;
}

/** What `update` may change: never `sub`, `username` or `createdAt`. */
export type UserChange = Partial<Pick<LocalUser, 'passwordHash' | 'disabled' | 'email' | 'name' | 'email_verified' | 'roles' | 'sessionsValidFrom'>>;

/** Where local users live: an embedded file store, or MongoDB when `MONGODB_URL` is set. */
export interface UserStore {
  /** By username or email, case-insensitive. */
  find(login: string): Promise<LocalUser | undefined>;
  add(user: LocalUser): Promise<void>;
  update(username: string, change: UserChange): Promise<boolean>;
  /** Deletes the user with this username (any case); the record removed, or `undefined` for nobody. */
  remove(username: string): Promise<LocalUser | undefined>;
  list(): Promise<LocalUser[]>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
