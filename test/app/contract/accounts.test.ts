/** The account rule both token modes apply (app/contract/accounts.ts), case by case. */
import { decideAccount, PENDING_CLOCK_TOLERANCE_MS, type AccountDecision, type ExistingAccount, type PendingCreate } from '../../../app/contract/accounts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const claims = { username: 'vera', email: 'vera@corp.example', email_verified: true };
const account = (overrides: Partial<ExistingAccount> = {}): ExistingAccount => ({
  username: 'vera',
  emails: [{ address: 'vera@corp.example', verified: true }],
  link: 'none',
  createdAt: NOW - 86_400_000,
  ...overrides,
});
const off = { matchByVerifiedEmail: false };
const on = { matchByVerifiedEmail: true };
const adopt = (because: string): AccountDecision => ({ adopt: true, because } as AccountDecision);
const refuse = (reason: string): AccountDecision => ({ adopt: false, reason } as AccountDecision);

test.each<[string, ExistingAccount, typeof claims, 'username' | 'email', typeof off, AccountDecision]>([
  ['linked to this user: theirs, whatever else differs', account({ link: 'this_user', username: 'other', emails: [] }), { ...claims, email_verified: false }, 'username', off, adopt('linked')],
  ['linked to another user: never, even with everything matching', account({ link: 'another_user' }), claims, 'username', on, refuse('username_taken')],
  ['unlinked, username and address verified on both sides', account(), claims, 'username', off, adopt('same_person')],
  ['unlinked, username in another case, address in another case', account({ username: 'Vera', emails: [{ address: 'VERA@corp.example', verified: true }] }), claims, 'username', off, adopt('same_person')],
  ['unlinked, Rocket.Chat has not verified the address (self-registered)', account({ emails: [{ address: 'vera@corp.example', verified: false }] }), claims, 'username', off, refuse('username_taken')],
  ['unlinked, the site does not vouch for the address', account(), { ...claims, email_verified: false }, 'username', off, refuse('username_taken')],
  ['unlinked, another address', account({ emails: [{ address: 'someone@else.example', verified: true }] }), claims, 'username', off, refuse('username_taken')],
  ['found by email, opt-in off', account({ username: 'vera.k' }), claims, 'email', off, refuse('email_taken')],
  ['found by email, opt-in on, verified on both sides', account({ username: 'vera.k' }), claims, 'email', on, adopt('same_person')],
  ['found by email, opt-in on, Rocket.Chat has not verified it', account({ username: 'vera.k', emails: [{ address: 'vera@corp.example', verified: false }] }), claims, 'email', on, refuse('email_taken')],
  ['found by email, opt-in on, linked to another user', account({ username: 'vera.k', link: 'another_user' }), claims, 'email', on, refuse('email_taken')],
])('%s', (_, existing, asserted, foundBy, policy, expected) => {
  expect(decideAccount(existing, asserted, foundBy, policy)).toEqual(expected);
});

describe('the result of an unfinished create of this same user', () => {
  const pending: PendingCreate = { username: 'vera', email: 'vera@corp.example', since: NOW };
  const made = (overrides: Partial<ExistingAccount> = {}) => account({ emails: [{ address: 'vera@corp.example', verified: false }], createdAt: NOW + 40, ...overrides });
  const unverified = { ...claims, email_verified: false };

  test('created after the attempt began, with what it sent: adopted even unverified', () => {
    expect(decideAccount(made(), unverified, 'username', off, pending)).toEqual(adopt('own_create'));
    expect(decideAccount(made({ createdAt: NOW - PENDING_CLOCK_TOLERANCE_MS }), unverified, 'username', off, pending)).toEqual(adopt('own_create'));
  });

  test.each<[string, Partial<ExistingAccount>, Partial<PendingCreate>]>([
    ['created before the attempt (an older account renamed to the name since)', { createdAt: NOW - PENDING_CLOCK_TOLERANCE_MS - 1 }, {}],
    ['its creation time unknown', { createdAt: undefined }, {}],
    ['another username than the create sent (case counts: Rocket.Chat keeps it as sent)', { username: 'Vera' }, {}],
    ['another address than the create sent', { emails: [{ address: 'x@corp.example', verified: false }] }, {}],
    ['linked to another user', { link: 'another_user' }, {}],
    ['a pending record written before its time was kept', {}, { since: Number.POSITIVE_INFINITY }],
  ])('not when %s', (_, accountChange, pendingChange) => {
    expect(decideAccount(made(accountChange), unverified, 'username', off, { ...pending, ...pendingChange })).toEqual(refuse('username_taken'));
  });
});
