/**
 * Rocket.Chat → site logout outside the engine: the back-channel logout token checked by
 * an independent implementation (jose), and propagateLogout against a local HTTP server
 * standing in for the companion (real sockets): sent for a linked user, nothing sent when
 * off or unlinked, and a companion that is down or refuses never throws.
 */
import * as jose from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT, BACKCHANNEL_TOKEN_TYPE } from '../../app/contract/backchannel';
import { makeLogoutToken } from '../../app/lib/companion/logoutToken';
import { propagateLogout } from '../../app/lib/companion/logoutPropagation';
import { loadConfig, type AppConfig } from '../../app/lib/config';
import { IdentityLinks } from '../../app/lib/store/identityLinks';
import { association, hashKey } from '../../app/lib/store/records';
import { SettingId } from '../../app/settings';
import { FetchHttp, MemoryLogger, MemoryPersistence } from '../support/app/accessors';
import { deadUrl, startCompanion, type CompanionStandIn } from '../support/app/companion';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { AUDIENCE, claimsFor, ISSUER, makeKeys, nowSeconds, signWithJose, verificationSettings, type TestKeys } from './fixtures';
import { accessSettings, makeEndpoints } from './harness';

const BACKCHANNEL_SECRET = 'another-shared-secret-of-32-bytes-or-more';
const secretKey = new TextEncoder().encode(BACKCHANNEL_SECRET);

let companion: CompanionStandIn;
let keys: TestKeys;
let rc: RocketChatStandIn;

beforeAll(async () => {
  keys = await makeKeys();
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true } });
  companion = await startCompanion('http://rc.example');
});

afterAll(async () => {
  await companion?.close();
  await rc?.close();
});

beforeEach(() => {
  companion.backchannel.length = 0;
  companion.behaviour.backchannelStatus = 200;
});

function configWith(overrides: Record<string, unknown> = {}): AppConfig {
  const loaded = loadConfig(new Map(Object.entries({
    ...verificationSettings(keys),
    [SettingId.RcAdminUserId]: 'admin',
    [SettingId.RcAdminToken]: 'pat',
    [SettingId.CompanionUrl]: `${companion.url}/`,
    [SettingId.BackchannelSecret]: BACKCHANNEL_SECRET,
    ...overrides,
  })));
  return loaded.config;
}

function context(persistence = new MemoryPersistence()) {
  const logger = new MemoryLogger();
  return { logger, persistence, context: { http: new FetchHttp(), storage: { read: persistence, write: persistence }, log: logger.asLogger(), now: nowSeconds() } };
}

async function linked(sub: string, userId: string, issuer = ISSUER): Promise<MemoryPersistence> {
  const persistence = new MemoryPersistence();
  await new IdentityLinks({ read: persistence, write: persistence }, issuer).link(sub, userId);
  return persistence;
}

describe('the logout token', () => {
  test('verifies with jose under the back-channel secret; claims as the contract says', async () => {
    const now = nowSeconds();
    const token = makeLogoutToken({ issuer: AUDIENCE, audience: ISSUER, sub: 'site-alice', secret: Buffer.from(BACKCHANNEL_SECRET), now });
    const { payload, protectedHeader } = await jose.jwtVerify(token, secretKey, { issuer: AUDIENCE, audience: ISSUER, algorithms: ['HS256'], typ: BACKCHANNEL_TOKEN_TYPE, currentDate: new Date(now * 1000) });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'logout+jwt' });
    expect(payload).toEqual({ iss: AUDIENCE, aud: ISSUER, sub: 'site-alice', iat: now, exp: now + 60, jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
    await expect(jose.jwtVerify(token, new TextEncoder().encode(`${BACKCHANNEL_SECRET}x`))).rejects.toThrow();
  });

  test('every token has its own jti', () => {
    const input = { issuer: AUDIENCE, audience: ISSUER, sub: 's', secret: Buffer.from(BACKCHANNEL_SECRET), now: nowSeconds() };
    const jtis = new Set(Array.from({ length: 50 }, () => jose.decodeJwt(makeLogoutToken(input)).jti));
    expect(jtis.size).toBe(50);
  });
});

describe('propagateLogout', () => {
  test('a linked user: POST <companion_url>/backchannel/logout {"logout_token"} as JSON, verifiable by the companion', async () => {
    const { context: ctx, logger } = context(await linked('site-alice', 'rc-alice'));
    expect(await propagateLogout('rc-alice', configWith(), ctx)).toBe('sent');
    expect(companion.backchannel).toHaveLength(1);
    const [call] = companion.backchannel;
    expect(call!.contentType).toBe('application/json');
    expect(Object.keys(call!.body as object)).toEqual(['logout_token']);
    const { payload } = await jose.jwtVerify((call!.body as { logout_token: string }).logout_token, secretKey, { issuer: AUDIENCE, audience: ISSUER });
    expect(payload.sub).toBe('site-alice');
    expect(logger.lines.join('\n')).not.toContain(BACKCHANNEL_SECRET);
  });

  test('logout_propagation off → nothing sent', async () => {
    const { context: ctx } = context(await linked('site-alice', 'rc-alice'));
    expect(await propagateLogout('rc-alice', configWith({ [SettingId.LogoutPropagation]: false }), ctx)).toBe('off');
    expect(companion.backchannel).toHaveLength(0);
  });

  test('no companion_url, no secret, or a short secret → nothing sent (a half setup is logged)', async () => {
    const { context: ctx, logger } = context(await linked('site-alice', 'rc-alice'));
    expect(await propagateLogout('rc-alice', configWith({ [SettingId.CompanionUrl]: '' }), ctx)).toBe('no_companion_url');
    expect(await propagateLogout('rc-alice', configWith({ [SettingId.BackchannelSecret]: '' }), ctx)).toBe('no_backchannel_secret');
    expect(await propagateLogout('rc-alice', configWith({ [SettingId.BackchannelSecret]: 'short' }), ctx)).toBe('no_backchannel_secret');
    expect(companion.backchannel).toHaveLength(0);
    expect(logger.lines.filter((line) => line.startsWith('warn'))).toHaveLength(2);
  });

  test('a Rocket.Chat user the App never linked (or linked under another issuer) → nothing sent', async () => {
    expect(await propagateLogout('rc-stranger', configWith(), context(await linked('site-alice', 'rc-alice')).context)).toBe('not_linked');
    expect(await propagateLogout('rc-alice', configWith(), context(await linked('site-alice', 'rc-alice', 'https://old-site.example')).context)).toBe('not_linked');
    expect(companion.backchannel).toHaveLength(0);
  });

  test('the companion is down → "unreachable", logged without token or secret, never thrown', async () => {
    const { context: ctx, logger } = context(await linked('site-alice', 'rc-alice'));
    expect(await propagateLogout('rc-alice', configWith({ [SettingId.CompanionUrl]: await deadUrl() }), ctx)).toBe('unreachable');
    const log = logger.lines.join('\n');
    expect(log).toMatch(/companion unreachable/);
    expect(log).not.toContain(BACKCHANNEL_SECRET);
    expect(log).not.toMatch(/eyJ/);
  });

  test('the companion is slow → gives up within its timeout', async () => {
    companion.behaviour.delayMs = 4000;
    try {
      const started = Date.now();
      const { context: ctx } = context(await linked('site-alice', 'rc-alice'));
      expect(await propagateLogout('rc-alice', configWith(), ctx)).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(3800);
    } finally {
      companion.behaviour.delayMs = 0;
    }
  }, 10_000);

  test('the companion refuses the token (e.g. another secret) → "refused", logged with a hint', async () => {
    companion.behaviour.backchannelStatus = 401;
    const { context: ctx, logger } = context(await linked('site-alice', 'rc-alice'));
    expect(await propagateLogout('rc-alice', configWith(), ctx)).toBe('refused');
    expect(logger.lines.join('\n')).toMatch(/HTTP 401.*backchannel_secret/);
  });

  test('a link written before subs were kept learns its sub at the next login, then logout reaches the companion', async () => {
    const persistence = new MemoryPersistence();
    const site = hashKey(ISSUER, 'site-old');
    await persistence.createWithAssociations({ site, userId: 'rc-old' }, [association('site', site), association('rc-user', 'rc-old')]);
    expect(await propagateLogout('rc-old', configWith(), context(persistence).context)).toBe('not_linked');
    const links = new IdentityLinks({ read: persistence, write: persistence }, ISSUER);
    expect(await links.userIdOf('site-old')).toBe('rc-old');
    expect(await propagateLogout('rc-old', configWith(), context(persistence).context)).toBe('sent');
  });

  test('after a real login through the endpoint, the user\'s logout is propagated with their sub', async () => {
    const app = makeEndpoints(rc, keys, { ...accessSettings(rc) });
    const reply = await app.login({ assertion: await signWithJose(claimsFor('prop-user'), { alg: 'HS256' }) });
    expect(reply.status).toBe(200);
    const { userId } = reply.content as { userId: string };
    expect(await propagateLogout(userId, configWith(), context(app.persistence).context)).toBe('sent');
    const token = (companion.backchannel[0]!.body as { logout_token: string }).logout_token;
    expect(jose.decodeJwt(token).sub).toBe('site-prop-user');
  });
});
