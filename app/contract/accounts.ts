/**
 * Whose account is it: the one rule that decides whether a site user may log in to an existing
 * Rocket.Chat account. Both token modes apply it — the App's provisioning and the companion's
 * MongoDB mode — and keep only their own reads and writes. It imports nothing (the App loads it
 * at run time).
 *
 * Finding an account by username or by email is no proof of who holds it: anyone may register
 * in Rocket.Chat with any free username and any address, and Rocket.Chat leaves that address
 * unverified until its owner follows the emailed link. So an account nobody linked yet is
 * adopted only when both sides vouch for the same address: the site (`email_verified`) and
 * Rocket.Chat (`emails[].verified`). An account linked to a site user is that user's alone.
 */

/** What the site says about its user (the assertion's claims). */
export interface ClaimedIdentity {
  username: string;
  email: string;
  email_verified: boolean;
}

/** Whom the bridge linked an account to. */
export type AccountLink = 'this_user' | 'another_user' | 'none';

/** An existing Rocket.Chat account, as far as the rule needs it. */
export interface ExistingAccount {
  username: string;
  emails: ReadonlyArray<{ address: string; verified: boolean }>;
  link: AccountLink;
  /** When Rocket.Chat created it (milliseconds since the epoch), if known. */
  createdAt?: number;
}

/**
 * An earlier attempt of this same site user that sent `users.create` and never learned whether
 * it worked (a timeout, a lost answer): what it sent, and when (milliseconds since the epoch).
 */
export interface PendingCreate {
  username: string;
  email: string;
  since: number;
}

export interface AccountPolicy {
  /** The operator's opt-in: an account found by its verified email alone may be adopted. */
  matchByVerifiedEmail: boolean;
}

export type AccountDecision =
  | { adopt: true; because: 'linked' | 'same_person' | 'own_create' }
  | { adopt: false; reason: 'username_taken' | 'email_taken' };

/**
 * How much earlier than the pending mark an account may have been created and still be the
 * pending create's own result: the two times come from clocks of one deployment.
 */
export const PENDING_CLOCK_TOLERANCE_MS = 5_000;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function holdsVerified(account: ExistingAccount, email: string): boolean {
  return account.emails.some((entry) => entry.verified === true && same(entry.address, email));
}

/**
 * The result of this user's own unfinished create: exactly the username it sent, the address it
 * sent, unlinked, and created no earlier than the attempt began. An older account that happens
 * to hold both (renamed to it since) is somebody else's.
 */
function isOwnCreate(account: ExistingAccount, pending: PendingCreate | undefined): boolean {
  if (!pending || account.createdAt === undefined) return false;
  return (
    account.username === pending.username &&
    account.emails.some((entry) => same(entry.address, pending.email)) &&
    account.createdAt >= pending.since - PENDING_CLOCK_TOLERANCE_MS
  );
}

/**
 * Decides whether `claims`' user may have `account`, which was found by `foundBy` (its username
 * equals the claimed one ignoring case, or it holds the claimed email).
 */
export function decideAccount(
  account: ExistingAccount,
  claims: ClaimedIdentity,
  foundBy: 'username' | 'email',
  policy: AccountPolicy,
  pending?: PendingCreate,
): AccountDecision {
  const refuse: AccountDecision = { adopt: false, reason: foundBy === 'username' ? 'username_taken' : 'email_taken' };
  if (account.link === 'this_user') return { adopt: true, because: 'linked' };
  if (account.link === 'another_user') return refuse;
  if (isOwnCreate(account, pending)) return { adopt: true, because: 'own_create' };
  if (!claims.email_verified || !holdsVerified(account, claims.email)) return refuse;
  const nameMatches = same(account.username, claims.username);
  if (nameMatches || (foundBy === 'email' && policy.matchByVerifiedEmail)) return { adopt: true, because: 'same_person' };
  return refuse;
}
