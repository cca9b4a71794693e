/** Settings → typed configuration: defaults, value forms the settings page produces, refusals by id. */
import { loadConfig } from '../../app/lib/config';
import { settings, SettingId } from '../../app/settings';
import { makeKeys, verificationSettings } from './fixtures';

const base = async (extra: Record<string, unknown> = {}) =>
  loadConfig(new Map(Object.entries({ ...verificationSettings(await makeKeys()), [SettingId.RcAdminUserId]: 'u', [SettingId.RcAdminToken]: 't', ...extra })));

test('every setting has a section, secrets are PASSWORD and not public, ids are unique', () => {
  expect(new Set(settings.map((s) => s.id)).size).toBe(settings.length);
  for (const setting of settings) {
    expect(setting.section).toBeTruthy();
    expect(setting.public).toBe(false);
  }
  const secrets = settings.filter((s) => /secret|token/.test(s.id)).map((s) => [s.id, s.type]);
  expect(secrets).toEqual([
    ['assertion_secret', 'password'],
    ['rc_admin_token', 'password'],
    ['rc_create_token_secret', 'password'],
    ['backchannel_secret', 'password'],
  ]);
});

test("the contract's setting ids (docs/contract.md) are all there", () => {
  const ids = settings.map((s) => s.id);
  for (const id of ['assertion_secret', 'assertion_public_keys', 'assertion_issuer', 'assertion_audience', 'assertion_max_lifetime_seconds', 'clock_skew_seconds', 'rc_admin_user_id', 'rc_admin_token', 'rc_create_token_secret', 'rc_rest_url', 'auto_create_users', 'default_roles', 'allowed_email_domains', 'grantable_roles', 'sync_profile_on_login']) {
    expect(ids).toContain(id);
  }
});

test('defaults: 60 s lifetime, 30 s skew, create on, role user, sync on, refuse conflicts', async () => {
  const { config, missing } = await base();
  expect(missing).toEqual([]);
  expect(config.verification).toMatchObject({ maxLifetimeSeconds: 60, clockSkewSeconds: 30, algorithms: ['HS256', 'EdDSA', 'ES256'] });
  expect(config.provisioning).toEqual({
    autoCreate: true,
    defaultRoles: ['user'],
    allowedEmailDomains: [],
    grantableRoles: [],
    syncProfile: true,
    usernameConflict: 'refuse',
    matchByVerifiedEmail: false,
    requireVerifiedEmail: false,
  });
});

test('values as the settings page may send them: numbers as strings, lists with spaces, multi-select as a string', async () => {
  const { config, missing } = await base({
    [SettingId.AssertionMaxLifetimeSeconds]: '120',
    [SettingId.GrantableRoles]: ' moderator, livechat-agent ',
    [SettingId.AllowedEmailDomains]: '@Corp.Example partner.example',
    [SettingId.AssertionAlgorithms]: 'EdDSA',
    [SettingId.RcRestUrl]: 'http://rc.internal:3000/',
  });
  expect(missing).toEqual([]);
  expect(config.verification.maxLifetimeSeconds).toBe(120);
  expect(config.verification.algorithms).toEqual(['EdDSA']);
  expect(config.provisioning.grantableRoles).toEqual(['moderator', 'livechat-agent']);
  expect(config.provisioning.allowedEmailDomains).toEqual(['corp.example', 'partner.example']);
  expect(config.access.restUrl).toBe('http://rc.internal:3000');
});

test.each([
  [SettingId.AssertionMaxLifetimeSeconds, 0],
  [SettingId.AssertionMaxLifetimeSeconds, 'soon'],
  [SettingId.ClockSkewSeconds, -1],
  [SettingId.RcTimeoutMs, 5],
  [SettingId.RcRestUrl, 'ftp://rc'],
  [SettingId.UsernameConflict, 'merge'],
  [SettingId.GrantableRoles, 'ad min!'],
  [SettingId.AssertionAlgorithms, ['none']],
])('%s = %p is refused by id', async (id, value) => {
  const { missing, problems } = await base({ [id]: value });
  expect(missing).toEqual([id]);
  expect(problems.join('\n')).not.toContain('a-shared-secret');
});

describe('shared secrets: placeholders and hand-typed values are refused by id, saying how to make one', () => {
  test.each([
    ['the old .env.example placeholder', 'change-me-to-at-least-32-random-bytes-0123456789'],
    ["'a' × 32", 'a'.repeat(32)],
  ])('assertion_secret = %s: missing, so the App is not configured', async (_name, value) => {
    const { missing, problems } = await base({ [SettingId.AssertionSecret]: value });
    expect(missing).toEqual([SettingId.AssertionSecret]);
    expect(problems.join('\n')).toMatch(/^assertion_secret: the HS256 secret (is a placeholder|has only 1 different character\b).*openssl rand -base64 32/m);
    expect(problems.join('\n')).not.toContain(value);
  });
  test.each([
    ['the old .env.example placeholder', 'change-me-to-at-least-32-random-bytes-0123456789', /is a placeholder/],
    ["'a' × 32", 'a'.repeat(32), /has only 1 different character\b/],
    ['too short', 'short', /must be at least 32 bytes/],
  ])('backchannel_secret = %s: logged with its reason and unset (logins go on)', async (_name, value, why) => {
    const { config, missing, problems } = await base({ [SettingId.BackchannelSecret]: value });
    expect(missing).toEqual([]);
    expect(config.operations.backchannelSecret).toBeUndefined();
    const line = problems.find((p) => p.startsWith('backchannel_secret: '));
    expect(line).toMatch(why);
    expect(line).toContain('openssl rand -base64 32');
  });
});
