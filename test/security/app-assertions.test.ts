/**
 * Adversarial assertions against the App's `login` and `logout` endpoints (RFC 8725 classes),
 * beyond the 57 forgeries of test/app/forgeries.ts (which this suite does not repeat): each is
 * refused with its machine reason, and the Rocket.Chat stand-in's users are byte-for-byte the
 * same afterwards (users changed: 0).
 */
import { createHmac, createPublicKey } from 'node:crypto';
import * as jose from 'jose';
import { SettingId } from '../../app/settings';
import { makeEndpoints } from '../app/harness';
import { b64, claimsFor, makeKeys, nowSeconds, SECRET, signRaw, signWithJose, type TestKeys } from '../app/fixtures';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';

interface Attack {
  cls: string;
  name: string;
  status: 401 | 403;
  reason: string;
  make(keys: TestKeys): Promise<string>;
  settings?: Record<string, unknown>;
}

let keys: TestKeys;
let rc: RocketChatStandIn;

beforeAll(async () => {
  keys = await makeKeys();
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
  // Somebody who already has an account, whose name attackers want.
  rc.createUser({ username: 'victim', email: 'victim@corp.example', verified: true });
});
afterAll(async () => {
  await rc.close();
});

const hsRaw = (header: string, payload: string, secret: string | Uint8Array = SECRET) => signRaw(header, payload, { alg: 'HS256', secret });
const json = (overrides: Record<string, unknown> = {}, username = 'mallory') => JSON.stringify(claimsFor(username, overrides));
const hs = (overrides: Record<string, unknown> = {}, username = 'mallory') => signWithJose(claimsFor(username, overrides), { alg: 'HS256' });
const edKid = (k: TestKeys, kid: string) => signRaw(JSON.stringify({ alg: 'EdDSA', kid }), json(), { alg: 'EdDSA', key: k.ed.privateKey });
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const attacks: Attack[] = [
  // Algorithm confusion
  { cls: 'algorithm confusion', name: 'HS256 keyed with the ES256 public PEM, kid of that key', status: 401, reason: 'alg_not_allowed', make: async (k) => hsRaw('{"alg":"HS256","kid":"ec-1"}', json(), k.ec.publicPem) },
  {
    cls: 'algorithm confusion',
    name: 'HS256 keyed with the EC public key DER, no kid',
    status: 401,
    reason: 'bad_signature',
    make: async (k) => hsRaw('{"alg":"HS256"}', json(), new Uint8Array(createPublicKey(k.ec.publicPem).export({ format: 'der', type: 'spki' }))),
  },
  { cls: 'algorithm confusion', name: 'header says EdDSA, signature is an HMAC', status: 401, reason: 'bad_signature', make: async () => {
    const input = `${b64('{"alg":"EdDSA"}')}.${b64(json())}`;
    return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
  } },
  { cls: 'algorithm confusion', name: 'header says ES256, signed with EdDSA', status: 401, reason: 'bad_signature', make: async (k) => signRaw('{"alg":"ES256"}', json(), { alg: 'EdDSA', key: k.ed.privateKey }) },
  ...['HS512', 'HS384', 'RS256', 'PS256', 'ES384', 'ES256K', 'Ed25519', 'EdDSA ', 'dir', 'A128KW'].map((alg) => ({
    cls: 'algorithm confusion', name: `alg ${JSON.stringify(alg)}`, status: 401 as const, reason: 'alg_not_allowed', make: async () => hsRaw(JSON.stringify({ alg }), json()),
  })),
  { cls: 'algorithm confusion', name: 'alg as an array', status: 401, reason: 'alg_not_allowed', make: async () => hsRaw('{"alg":["HS256"]}', json()) },
  { cls: 'algorithm confusion', name: 'alg null', status: 401, reason: 'alg_not_allowed', make: async () => hsRaw('{"alg":null}', json()) },
  { cls: 'algorithm confusion', name: 'no alg at all', status: 401, reason: 'alg_not_allowed', make: async () => hsRaw('{"typ":"JWT"}', json()) },
  { cls: 'algorithm confusion', name: 'HS256 when only EdDSA is allowed', status: 401, reason: 'alg_not_allowed', settings: { [SettingId.AssertionAlgorithms]: ['EdDSA'] }, make: async () => hs() },
  // none
  ...['NONE', 'nOnE', 'none ', ' none'].map((alg) => ({
    cls: 'alg none', name: `alg ${JSON.stringify(alg)}, empty signature`, status: 401 as const, reason: 'alg_not_allowed', make: async () => `${b64(JSON.stringify({ alg }))}.${b64(json())}.`,
  })),
  { cls: 'alg none', name: 'alg none, no HS256 secret configured, empty signature', status: 401, reason: 'alg_not_allowed', settings: { [SettingId.AssertionSecret]: '' }, make: async () => `${b64('{"alg":"none"}')}.${b64(json())}.` },
  // kid tricks
  { cls: 'kid tricks', name: 'kid path traversal ../../../../dev/null (EdDSA)', status: 401, reason: 'unknown_key', make: async (k) => edKid(k, '../../../../dev/null') },
  { cls: 'kid tricks', name: 'kid /dev/null, HS256 keyed with the empty string', status: 401, reason: 'bad_signature', make: async () => hsRaw('{"alg":"HS256","kid":"/dev/null"}', json(), '') },
  { cls: 'kid tricks', name: "kid SQL-ish ' OR '1'='1", status: 401, reason: 'unknown_key', make: async (k) => edKid(k, "' OR '1'='1") },
  { cls: 'kid tricks', name: 'kid "x\'; DROP TABLE keys; --"', status: 401, reason: 'unknown_key', make: async (k) => edKid(k, "x'; DROP TABLE keys; --") },
  { cls: 'kid tricks', name: 'kid with a NUL after a real kid', status: 401, reason: 'unknown_key', make: async (k) => edKid(k, 'ed-2026\u0000') },
  { cls: 'kid tricks', name: 'kid __proto__', status: 401, reason: 'unknown_key', make: async (k) => edKid(k, '__proto__') },
  { cls: 'kid tricks', name: 'kid constructor', status: 401, reason: 'unknown_key', make: async (k) => edKid(k, 'constructor') },
  { cls: 'kid tricks', name: 'kid a URL', status: 401, reason: 'unknown_key', make: async (k) => edKid(k, 'https://evil.example/key.pem') },
  { cls: 'kid tricks', name: 'kid 300 characters', status: 401, reason: 'malformed', make: async (k) => edKid(k, 'k'.repeat(300)) },
  { cls: 'kid tricks', name: 'kid empty', status: 401, reason: 'malformed', make: async (k) => edKid(k, '') },
  { cls: 'kid tricks', name: 'kid a number', status: 401, reason: 'malformed', make: async (k) => signRaw('{"alg":"EdDSA","kid":1}', json(), { alg: 'EdDSA', key: k.ed.privateKey }) },
  { cls: 'kid tricks', name: 'kid an object', status: 401, reason: 'malformed', make: async (k) => signRaw('{"alg":"EdDSA","kid":{"$ne":null}}', json(), { alg: 'EdDSA', key: k.ed.privateKey }) },
  { cls: 'kid tricks', name: 'kid the thumbprint of an attacker key', status: 401, reason: 'unknown_key', make: async (k) => signWithJose(claimsFor('mallory'), { alg: 'EdDSA', key: k.other.ed, kid: await jose.calculateJwkThumbprint(k.other.ed.publicJwk) }) },
  { cls: 'kid tricks', name: 'real kid, signed by an attacker key', status: 401, reason: 'bad_signature', make: async (k) => signWithJose(claimsFor('mallory'), { alg: 'EdDSA', key: k.other.ed, kid: 'ed-2026' }) },
  // key-type mismatch
  { cls: 'key-type mismatch', name: 'EdDSA token naming the ES256 key', status: 401, reason: 'alg_not_allowed', make: async (k) => signRaw('{"alg":"EdDSA","kid":"ec-1"}', json(), { alg: 'EdDSA', key: k.ed.privateKey }) },
  { cls: 'key-type mismatch', name: 'HS256 token naming the Ed25519 key', status: 401, reason: 'alg_not_allowed', make: async () => hsRaw('{"alg":"HS256","kid":"ed-2026"}', json()) },
  { cls: 'key-type mismatch', name: 'EdDSA with no Ed25519 key configured (only ES256)', status: 401, reason: 'alg_not_allowed', settings: { [SettingId.AssertionPublicKeys]: '__EC_ONLY__' }, make: async (k) => signWithJose(claimsFor('mallory'), { alg: 'EdDSA', key: k.ed }) },
  // lifetime abuse
  { cls: 'lifetime abuse', name: 'iat long ago, exp in the future (long lifetime)', status: 401, reason: 'lifetime_too_long', make: async () => hs({ iat: nowSeconds() - 86_400, exp: nowSeconds() + 30 }) },
  { cls: 'lifetime abuse', name: 'exp 2^53', status: 401, reason: 'lifetime_too_long', make: async () => hs({ exp: 2 ** 53 }) },
  { cls: 'lifetime abuse', name: 'exp 1e21 (exponent notation)', status: 401, reason: 'lifetime_too_long', make: async () => hsRaw('{"alg":"HS256"}', json().replace(/"exp":\d+/, '"exp":1e21')) },
  { cls: 'lifetime abuse', name: 'exp equal to iat', status: 401, reason: 'bad_claim', make: async () => hs({ exp: nowSeconds() }) },
  { cls: 'lifetime abuse', name: 'exp before iat', status: 401, reason: 'bad_claim', make: async () => hs({ iat: nowSeconds(), exp: nowSeconds() - 5 }) },
  { cls: 'lifetime abuse', name: 'negative iat', status: 401, reason: 'bad_claim', make: async () => hs({ iat: -1 }) },
  { cls: 'lifetime abuse', name: 'fractional exp', status: 401, reason: 'bad_claim', make: async () => hs({ exp: nowSeconds() + 30.5 }) },
  { cls: 'lifetime abuse', name: 'max lifetime of 10 minutes configured, iat two days ago', status: 401, reason: 'expired', settings: { [SettingId.AssertionMaxLifetimeSeconds]: 600 }, make: async () => hs({ iat: nowSeconds() - 172_800, exp: nowSeconds() - 172_800 + 500 }) },
  // claim type confusion
  ...([
    ['sub a number', { sub: 42 }],
    ['sub an object', { sub: { $ne: null } }],
    ['username an array', { username: ['admin'] }],
    ['username a NoSQL operator', { username: { $regex: '.*' } }],
    ['username null', { username: null }],
    ['email_verified 1', { email_verified: 1 }],
    ['email_verified "false"', { email_verified: 'false' }],
    ['roles holding a number', { roles: [1] }],
    ['roles holding an object', { roles: [{ name: 'admin' }] }],
    ['iss an array', { iss: ['https://site.example'] }],
    ['aud null', { aud: null }],
    ['jti a number', { jti: 12345 }],
    ['iat a numeric string', { iat: String(nowSeconds()) }],
    ['nbf a string', { nbf: 'now' }],
    ['name with a control character', { name: 'Mallory\u0007' }],
    ['avatar_url javascript:', { avatar_url: 'javascript:alert(1)' }],
    ['avatar_url http:', { avatar_url: 'http://evil.example/a.png' }],
  ] as const).map(([name, overrides]) => ({ cls: 'claim type confusion', name, status: 401 as const, reason: 'bad_claim', make: async () => hs(overrides as Record<string, unknown>) })),
  // duplicate JSON keys
  { cls: 'duplicate JSON keys', name: 'duplicate exp (second far in the future)', status: 401, reason: 'malformed', make: async () => hsRaw('{"alg":"HS256"}', json().replace(/\}$/, `,"exp":${nowSeconds() + 999_999}}`)) },
  { cls: 'duplicate JSON keys', name: 'duplicate email_verified', status: 401, reason: 'malformed', make: async () => hsRaw('{"alg":"HS256"}', json({ email_verified: false }).replace(/\}$/, ',"email_verified":true}')) },
  { cls: 'duplicate JSON keys', name: 'duplicate username spelled with a \\u escape', status: 401, reason: 'malformed', make: async () => hsRaw('{"alg":"HS256"}', json().replace(/\}$/, ',"user\\u006eame":"victim"}')) },
  { cls: 'duplicate JSON keys', name: 'duplicate roles', status: 401, reason: 'malformed', make: async () => hsRaw('{"alg":"HS256"}', json({ roles: [] }).replace(/\}$/, ',"roles":["admin"]}')) },
  { cls: 'duplicate JSON keys', name: 'duplicate kid in the header', status: 401, reason: 'malformed', make: async (k) => signRaw('{"alg":"EdDSA","kid":"nope","kid":"ed-2026"}', json(), { alg: 'EdDSA', key: k.edNext.privateKey }) },
  // huge and deeply nested
  { cls: 'huge or deeply nested', name: 'a 1 MB token', status: 401, reason: 'too_large', make: async () => `${b64('{"alg":"HS256"}')}.${'A'.repeat(1_000_000)}.x` },
  { cls: 'huge or deeply nested', name: '2,000 levels of nesting in a claim (signed)', status: 401, reason: 'malformed', make: async () => hsRaw('{"alg":"HS256"}', json().replace(/\}$/, `,"x":${deep(2000)}}`)) },
  { cls: 'huge or deeply nested', name: '20 levels of nesting in roles (signed)', status: 401, reason: 'malformed', make: async () => hsRaw('{"alg":"HS256"}', json({ roles: [] }).replace('"roles":[]', `"roles":${deep(20)}`)) },
  { cls: 'huge or deeply nested', name: 'nesting in the header', status: 401, reason: 'malformed', make: async () => hsRaw(`{"alg":"HS256","typ":${deep(100)}}`, json()) },
  { cls: 'huge or deeply nested', name: '600 members in the header, under the size limit', status: 401, reason: 'malformed', make: async () => {
    const extra = Array.from({ length: 600 }, (_, i) => `"k${i}":0`).join(',');
    return hsRaw(`{"alg":"HS256",${extra}}`, json());
  } },
  { cls: 'huge or deeply nested', name: 'a 5,000-character username (signed, under the size limit)', status: 401, reason: 'bad_claim', make: async () => hs({ username: `m${'a'.repeat(5000)}` }) },
  // unicode look-alikes
  ...([
    ['Cyrillic а in аdmin', '\u0430dmin'],
    ['Cyrillic о in vоctim-like vict\u043em', 'vict\u043em'],
    ['fullwidth ａｄｍｉｎ', '\uff41\uff44\uff4d\uff49\uff4e'],
    ['zero-width joiner ad\u200dmin', 'ad\u200dmin'],
    ['zero-width space after admin', 'admin\u200b'],
    ['dotless ı in admın', 'adm\u0131n'],
    ['combining acute a\u0301dmin', 'a\u0301dmin'],
    ['right-to-left override', '\u202enimda'],
    ['Kelvin sign K', '\u212aarl'],
  ] as const).map(([name, username]) => ({ cls: 'unicode look-alike username', name, status: 401 as const, reason: 'bad_claim', make: async () => hs({ username }) })),
  // email-domain spoofing (allowed_email_domains = corp.example)
  ...([
    ['a@corp.example@evil.example', 401, 'bad_claim'],
    ['a@evil.example%00.corp.example', 401, 'bad_claim'],
    ['a@evil.example\u0000.corp.example', 401, 'bad_claim'],
    ['"a@corp.example"@evil.example', 401, 'bad_claim'],
    ['a@corp.example (x)@evil.example', 401, 'bad_claim'],
    ['a@corp.example.', 401, 'bad_claim'],
    ['a@\uff43orp.example', 401, 'bad_claim'],
    ['a@corp.example\n', 401, 'bad_claim'],
    ['a@corp.example.evil.example', 403, 'email_domain_not_allowed'],
    ['a@evilcorp.example', 403, 'email_domain_not_allowed'],
    ['a@sub.corp.example', 403, 'email_domain_not_allowed'],
  ] as const).map(([email, status, reason]) => ({
    cls: 'email-domain spoofing', name: JSON.stringify(email), status, reason, settings: { [SettingId.AllowedEmailDomains]: 'corp.example' }, make: async () => hs({ email }),
  })),
  // role escalation
  { cls: 'role escalation', name: 'roles [admin], nothing grantable', status: 403, reason: 'role_not_grantable', make: async () => hs({ roles: ['admin'] }) },
  { cls: 'role escalation', name: 'roles [Admin] when "admin" is not grantable but moderator is', status: 403, reason: 'role_not_grantable', settings: { [SettingId.GrantableRoles]: 'moderator' }, make: async () => hs({ roles: ['Admin'] }) },
  { cls: 'role escalation', name: 'roles [moderator, admin] when only moderator is grantable', status: 403, reason: 'role_not_grantable', settings: { [SettingId.GrantableRoles]: 'moderator' }, make: async () => hs({ roles: ['moderator', 'admin'] }) },
  { cls: 'role escalation', name: 'roles ["admin "] (trailing space)', status: 401, reason: 'bad_claim', make: async () => hs({ roles: ['admin '] }) },
  { cls: 'role escalation', name: '33 roles', status: 401, reason: 'bad_claim', make: async () => hs({ roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }) },
  { cls: 'role escalation', name: 'existing user asks for admin on login (sync on)', status: 403, reason: 'role_not_grantable', make: async () => hs({ roles: ['admin'], email: 'victim@corp.example' }, 'victim') },
  { cls: 'role escalation', name: 'a "role" claim (singular) is not a way in either: admin unknown role → refused by grantable list', status: 403, reason: 'role_not_grantable', make: async () => hs({ roles: ['user', 'admin'] }) },
  // a username belonging to someone else
  { cls: 'username of someone else', name: 'admin, another email', status: 403, reason: 'username_taken', make: async () => hs({}, 'admin') },
  { cls: 'username of someone else', name: 'ADMIN (case variant)', status: 403, reason: 'username_taken', make: async () => hs({}, 'ADMIN') },
  { cls: 'username of someone else', name: 'victim, another email', status: 403, reason: 'username_taken', make: async () => hs({ email: 'mallory@corp.example' }, 'victim') },
  { cls: 'username of someone else', name: "victim with victim's email, not vouched for", status: 403, reason: 'username_taken', make: async () => hs({ email: 'victim@corp.example', email_verified: false }, 'victim') },
  { cls: 'username of someone else', name: "admin's email under a new username (no email matching)", status: 403, reason: 'email_taken', make: async () => hs({ email: 'admin@rocket.chat.test' }, 'mallory2') },
];

function settingsFor(attack: Attack, k: TestKeys): Record<string, unknown> | undefined {
  if (attack.settings?.[SettingId.AssertionPublicKeys] === '__EC_ONLY__') return { ...attack.settings, [SettingId.AssertionPublicKeys]: JSON.stringify([k.ec.publicJwk]) };
  return attack.settings;
}

export const ATTACK_CLASSES = [...new Set(attacks.map((a) => a.cls))];

test(`${attacks.length} attacks over ${ATTACK_CLASSES.length} classes: login refused with the reason, users changed: 0`, async () => {
  const before = JSON.stringify(rc.users());
  const results: Record<string, number> = {};
  for (const attack of attacks) {
    const app = makeEndpoints(rc, keys, settingsFor(attack, keys));
    const reply = await app.login({ assertion: await attack.make(keys) });
    expect({ name: `${attack.cls}: ${attack.name}`, status: reply.status, content: reply.content }).toEqual({
      name: `${attack.cls}: ${attack.name}`,
      status: attack.status,
      content: { error: attack.status === 401 ? 'invalid_assertion' : 'provisioning_denied', reason: attack.reason },
    });
    // The reason is logged for the operator, without the assertion itself.
    expect(app.logger.lines.join('\n')).toContain(attack.reason);
    results[attack.cls] = (results[attack.cls] ?? 0) + 1;
  }
  expect(JSON.stringify(rc.users())).toBe(before);
  console.log(`App login attacks by class (all refused, users changed: 0): ${JSON.stringify(results)}`);
});

test('the same attacks against logout: none revokes anything (401 for every invalid assertion)', async () => {
  const before = JSON.stringify(rc.users());
  let refused = 0;
  for (const attack of attacks.filter((a) => a.status === 401)) {
    const app = makeEndpoints(rc, keys, settingsFor(attack, keys));
    const reply = await app.logout({ assertion: await attack.make(keys) });
    expect({ name: attack.name, status: reply.status, reason: (reply.content as { reason?: string }).reason }).toEqual({ name: attack.name, status: 401, reason: attack.reason });
    refused += 1;
  }
  expect(JSON.stringify(rc.users())).toBe(before);
  console.log(`App logout attacks refused: ${refused}`);
});

test('logout with a valid assertion naming someone else\'s username (or a look-alike) revokes nobody', async () => {
  // A wrong revocation would change the holders' login tokens (counted) or their records (compared).
  const victim = rc.findUser({ username: 'victim' })!;
  const tokensBefore = { victim: rc.resumeTokenCount(victim._id), admin: rc.resumeTokenCount(rc.admin.userId) };
  const before = JSON.stringify(rc.users());
  for (const attack of attacks.filter((a) => a.status === 403)) {
    const app = makeEndpoints(rc, keys, settingsFor(attack, keys));
    const reply = await app.logout({ assertion: await attack.make(keys) });
    expect({ name: attack.name, status: reply.status }).toEqual({ name: attack.name, status: 200 });
  }
  expect({ victim: rc.resumeTokenCount(victim._id), admin: rc.resumeTokenCount(rc.admin.userId) }).toEqual(tokensBefore);
  expect(JSON.stringify(rc.users())).toBe(before);
});

describe('replay', () => {
  test('a spent jti stays spent: the same token, the token with whitespace, and the claims re-signed', async () => {
    const app = makeEndpoints(rc, keys);
    const claims = claimsFor('replay-target');
    const token = await signWithJose(claims, { alg: 'HS256' });
    expect((await app.login({ assertion: token })).status).toBe(200);
    const before = JSON.stringify(rc.users());
    const resigned = await signWithJose({ ...claims, iat: claims.iat as number, name: 'Other Name' }, { alg: 'HS256' });
    const reordered = hsRaw('{"typ":"JWT","alg":"HS256"}', JSON.stringify(Object.fromEntries(Object.entries(claims).reverse())));
    for (const again of [token, resigned, reordered]) {
      expect(await app.login({ assertion: again })).toMatchObject({ status: 401, content: { reason: 'replayed' } });
    }
    for (const padded of [`${token} `, ` ${token}`, `${token}\n`]) {
      const reply = await app.login({ assertion: padded });
      expect(reply.status).toBe(401);
      expect(['malformed', 'replayed']).toContain((reply.content as { reason: string }).reason);
    }
    expect(JSON.stringify(rc.users())).toBe(before);
  });

  test('an assertion spent on logout cannot then log in', async () => {
    const app = makeEndpoints(rc, keys);
    const token = await hs({}, 'victim');
    expect((await app.logout({ assertion: token })).status).toBe(200);
    expect(await app.login({ assertion: token })).toMatchObject({ status: 401, content: { reason: 'replayed' } });
  });
});
