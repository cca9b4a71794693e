/**
 * Finds or creates the Rocket.Chat user an assertion names, by the operator's policy.
 *
 * Whose account it is follows the one rule both token modes share (app/contract/accounts.ts):
 * the user linked to the assertion's `sub`; else an unlinked user whose username (or, opted in,
 * email) matches and who holds the assertion's email verified in Rocket.Chat as well as at the
 * site; else the result of this user's own unfinished create. Anyone else is a different person:
 * the login is refused, or a suffixed username is used.
 */
import { randomBytes, createHash } from 'crypto';
import { decideAccount, type AccountLink, type PendingCreate } from '../contract/accounts';
import { AssertionClaims, emailDomain, USERNAME_PATTERN } from '../contract/claims';
import type { ProvisioningConfig } from './config';
import { ProvisioningDenied, RocketChatUnavailable } from './errors';
import { RocketChatRefused } from './rocketchat/client';
import type { UserDirectory } from './rocketchat/directory';
import { ProfileChange, RocketChatUser, UsersApi } from './rocketchat/users';
import { FoundLink, IdentityLinks } from './store/identityLinks';

/** What a read-only lookup found for a site user: its link and, if Rocket.Chat knows them, the user. */
export interface LinkedLookup {
  link?: FoundLink;
  user?: RocketChatUser;
}

export interface ProvisionedUser {
  user: RocketChatUser;
  created: boolean;
}

const lower = (text: string): string => text.toLowerCase();

/**
 * Rocket.Chat words a taken email as "<email> is already in use :(" (error-field-unavailable),
 * older versions as "Email already exists": either names the email.
 */
function mentionsEmail(error: RocketChatRefused, email: string): boolean {
  const text = lower(`${error.errorType} ${error.errorText}`);
  return text.includes(lower(email)) || /e-?mail/.test(text);
}

function hasEmail(user: Pick<RocketChatUser, 'emails'>, email: string): boolean {
  return user.emails.some((entry) => lower(entry.address) === lower(email));
}

/** Checks that need no lookup, so a refused assertion costs Rocket.Chat nothing. */
export function checkPolicy(claims: AssertionClaims, policy: ProvisioningConfig): void {
  if (policy.requireVerifiedEmail && !claims.email_verified) throw new ProvisioningDenied('email_not_verified');
  if (policy.allowedEmailDomains.length > 0 && !policy.allowedEmailDomains.includes(emailDomain(claims.email))) {
    throw new ProvisioningDenied('email_domain_not_allowed');
  }
  // `admin` is no exception to the rule: only an explicit grantable entry lets it through.
  if ((claims.roles ?? []).some((role) => !policy.grantableRoles.includes(role))) throw new ProvisioningDenied('role_not_grantable');
}

/**
 * The roles a user should end up with: what they have that the bridge does not manage,
 * plus the default roles, plus the grantable roles the assertion asks for.
 */
export function desiredRoles(current: string[], claims: AssertionClaims, policy: ProvisioningConfig): string[] {
  const asked = claims.roles ?? [];
  const kept = current.filter((role) => !policy.grantableRoles.includes(role) || asked.includes(role));
  return [...new Set([...kept, ...policy.defaultRoles, ...asked])];
}

/** Deterministic per site user, so every retry tries the same names. */
export function suffixedUsernames(username: string, sub: string): string[] {
  const digest = createHash('sha256').update(sub).digest('hex');
  return [6, 10].map((length) => `${username.slice(0, 63 - length)}-${digest.slice(0, length)}`).filter((name) => USERNAME_PATTERN.test(name));
}

/**
 * 192 random bits nobody ever learns, shaped to pass Rocket.Chat's password policy when it
 * is on: upper, lower, digit and symbol, and no character three times in a row.
 */
export function throwawayPassword(): string {
  for (;;) {
    const password = `${randomBytes(24).toString('base64url')}aA1!`;
    if (!/(.)\1\1/.test(password)) return password;
  }
}

/** Reads only (a link, the user reader: no REST), so it may run before the assertion's jti is spent. */
export async function lookupLinked(links: IdentityLinks, directory: UserDirectory, sub: string, fresh = false): Promise<LinkedLookup> {
  const link = await links.find(sub, fresh);
  return link ? { link, user: await directory.byId(link.userId) } : {};
}

/**
 * Users are read through the engine's user reader (`directory`: no HTTP, exact usernames) and
 * written through REST (`users`). Where a reader miss decides that a username is free of an
 * existing person, REST users.info confirms it: Rocket.Chat's usernames are unique ignoring
 * case, and only REST finds `alice` for `Alice`.
 */
export class Provisioner {
  constructor(
    private readonly users: UsersApi,
    private readonly directory: UserDirectory,
    private readonly links: IdentityLinks,
    private readonly policy: ProvisioningConfig,
  ) {}

  /** `looked`: what `lookupLinked` found while the jti was being spent, if login ran it. */
  async provision(claims: AssertionClaims, looked?: LinkedLookup): Promise<ProvisionedUser> {
    checkPolicy(claims, this.policy);
    const found = await this.findExisting(claims, looked);
    return found ? this.admit(found, claims) : this.createFor(claims);
  }

  /** For logout: the linked user, else the same-person match; never creates. */
  async findForLogout(claims: AssertionClaims): Promise<RocketChatUser | undefined> {
    return this.findExisting(claims);
  }

  /** The holder of a username, whatever its case: the reader's exact match, else REST (case-insensitive). */
  private async holderOf(username: string): Promise<RocketChatUser | undefined> {
    return (await this.directory.byUsername(username)) ?? (await this.users.info({ username }));
  }

  private async findExisting(claims: AssertionClaims, looked?: LinkedLookup): Promise<RocketChatUser | undefined> {
    const linked = await this.linkedUser(claims.sub, looked ?? (await lookupLinked(this.links, this.directory, claims.sub)));
    if (linked) return linked;
    const pending = await this.links.pending(claims.sub);
    if (pending) {
      // Exact: the pending username is the one our users.create sent, and Rocket.Chat stores it as sent.
      const made = await this.directory.byUsername(pending.username);
      if (made && (await this.mayHave(made, claims, 'username', pending))) return this.adopt(claims, made);
    }

    const byName = await this.holderOf(claims.username);
    if (byName && (await this.mayHave(byName, claims, 'username', pending))) return this.adopt(claims, byName);

    if (this.policy.matchByVerifiedEmail && claims.email_verified) {
      const byEmail = await this.users.findByEmail(claims.email);
      if (byEmail && (await this.mayHave(byEmail, claims, 'email'))) return this.adopt(claims, byEmail);
    }
    return undefined;
  }

  /**
   * The linked user. A link from memory whose user Rocket.Chat does not know may be stale
   * (another instance re-linked): persistence is asked before the link is dropped.
   */
  private async linkedUser(sub: string, looked: LinkedLookup): Promise<RocketChatUser | undefined> {
    const { link, user } = looked.link?.cached && !looked.user ? await lookupLinked(this.links, this.directory, sub, true) : looked;
    if (!link) return undefined;
    if (user) {
      if (!link.hasSub) await this.links.link(sub, user._id); // once per old link: learn its sub
      return user;
    }
    await this.links.unlink(sub); // deleted in Rocket.Chat: start over
    return undefined;
  }

  /** The shared rule, fed with this App's view of the user's link. */
  private async mayHave(user: RocketChatUser, claims: AssertionClaims, foundBy: 'username' | 'email', pending?: PendingCreate): Promise<boolean> {
    const site = await this.links.siteOf(user._id);
    const link: AccountLink = site === undefined ? 'none' : this.links.isSite(site, claims.sub) ? 'this_user' : 'another_user';
    return decideAccount({ ...user, link }, claims, foundBy, this.policy, pending).adopt;
  }

  private async adopt(claims: AssertionClaims, user: RocketChatUser): Promise<RocketChatUser> {
    await this.links.link(claims.sub, user._id);
    return user;
  }

  private async createFor(claims: AssertionClaims): Promise<ProvisionedUser> {
    if (!this.policy.autoCreate) throw new ProvisioningDenied('auto_create_off');
    const candidates = [claims.username, ...(this.policy.usernameConflict === 'suffix' ? suffixedUsernames(claims.username, claims.sub) : [])];
    const pending = await this.links.pending(claims.sub);
    for (const username of candidates) {
      // Looked up again even for the first name: `pending` must only ever name a username that was free.
      // Exact only: a holder under another case makes users.create refuse, and tryCreate looks again.
      const holder = await this.directory.byUsername(username);
      if (holder) {
        // Under the suffix policy a candidate name is this user's claimed username: the rule judges it so.
        if (await this.mayHave(holder, { ...claims, username }, 'username', pending)) return this.admit(await this.adopt(claims, holder), claims);
        continue;
      }
      const created = await this.tryCreate(claims, username);
      if (created) return created;
    }
    throw new ProvisioningDenied('username_taken');
  }

  /** An existing user logs in only while active; their profile follows the site's when sync is on. */
  private async admit(user: RocketChatUser, claims: AssertionClaims): Promise<ProvisionedUser> {
    if (!user.active) throw new ProvisioningDenied('user_deactivated');
    if (this.policy.syncProfile) await this.sync(user, claims);
    return { user, created: false };
  }

  /** `undefined` when the username is held by a different person. */
  private async tryCreate(claims: AssertionClaims, username: string): Promise<ProvisionedUser | undefined> {
    const attempt: PendingCreate = { username, email: claims.email, since: Date.now() };
    await this.links.markPending(claims.sub, username, claims.email);
    try {
      const user = await this.users.create({
        username,
        email: claims.email,
        name: claims.name,
        password: throwawayPassword(),
        roles: desiredRoles([], claims, this.policy),
        verified: claims.email_verified,
      });
      await this.links.link(claims.sub, user._id);
      return { user, created: true };
    } catch (error) {
      // An unknown outcome (network, timeout) keeps the pending record for the next attempt to judge.
      if (!(error instanceof RocketChatRefused)) throw error;
      // Rocket.Chat said no, so this attempt created nothing: a pending record would only let a
      // later holder of this username and email pass for its result.
      await this.links.clearPending(claims.sub);
      // Someone (maybe a concurrent attempt for this same person) took the name: look again.
      const holder = await this.holderOf(username);
      if (holder) {
        if (await this.mayHave(holder, { ...claims, username }, 'username', attempt)) return this.admit(await this.adopt(claims, holder), claims);
        return undefined;
      }
      if (mentionsEmail(error, claims.email)) throw new ProvisioningDenied('email_taken');
      throw new RocketChatUnavailable(`users.create refused: ${error.message}`);
    }
  }

  private async sync(user: RocketChatUser, claims: AssertionClaims): Promise<void> {
    const change: ProfileChange = {};
    if (user.name !== claims.name) change.name = claims.name;
    if (!hasEmail(user, claims.email)) {
      change.email = claims.email;
      change.verified = claims.email_verified;
    }
    const current = user.roles;
    const roles = current ? desiredRoles(current, claims, this.policy) : undefined;
    if (current && roles && (roles.length !== current.length || roles.some((role) => !current.includes(role)))) change.roles = roles;
    if (Object.keys(change).length === 0) return; // the common case costs no write
    try {
      await this.users.update(user._id, change);
    } catch (error) {
      if (error instanceof RocketChatRefused && change.email && mentionsEmail(error, change.email)) {
        throw new ProvisioningDenied('email_taken');
      }
      throw error;
    }
    Object.assign(user, { name: claims.name, ...(change.roles ? { roles: change.roles } : {}), ...(change.email ? { emails: [{ address: claims.email, verified: claims.email_verified }] } : {}) });
  }
}
