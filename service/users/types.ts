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
}

/** Where local users live: an embedded file store, or MongoDB when `MONGODB_URL` is set. */
export interface UserStore {
  /** By username or email, case-insensitive. */
  find(login: string): Promise<LocalUser | undefined>;
  add(user: LocalUser): Promise<void>;
  update(username: string, change: Partial<Pick<LocalUser, 'passwordHash' | 'disabled' | 'email' | 'name' | 'email_verified' | 'roles'>>): Promise<boolean>;
  list(): Promise<LocalUser[]>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
