/** POST /login/social against provider stand-ins over real HTTP: only verified replies sign anybody in. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileUserStore } from '../../service/users/file-store';
import type { UserStore } from '../../service/users/types';
import { FACEBOOK_APP, GOOGLE_CLIENT_ID, startProviderStandIn, type ProviderStandIn } from '../support/social-providers';
import { cookieJar, csrfFrom, PUBLIC_ORIGIN, seedUsers, startHarness, type Harness } from './support/harness';

const HOUR = 3600;
const now = () => Math.floor(Date.now() / 1000);

let providers: ProviderStandIn;
let store: UserStore;
let usersFile: string;
beforeAll(async () => {
  providers = await startProviderStandIn();
  const fb = (userId: string, extra = {}) => ({ appId: FACEBOOK_APP.id, userId, expiresAt: now() + HOUR, isValid: true, ...extra });
  providers.facebook.set('fb-alice', fb('fb-1', { email: 'alice@example.com', name: 'Alice' }));
  providers.facebook.set('fb-other-app', fb('fb-1', { appId: '999', email: 'alice@example.com' }));
  providers.facebook.set('fb-expired', fb('fb-1', { expiresAt: now() - 10, email: 'alice@example.com' }));
  providers.facebook.set('fb-new', fb('fb-77', { email: 'newcomer@example.net', name: 'New Comer' }));
  providers.facebook.set('fb-bob', fb('fb-8', { email: 'bob@example.com' }));
  const g = (sub: string, extra = {}) => ({ aud: GOOGLE_CLIENT_ID, sub, exp: now() + HOUR, email: 'alice@example.com', emailVerified: true, ...extra });
  providers.google.set('g-id-alice', g('g-1'));
  providers.google.set('g-access-alice', g('g-1', { aud: 'web-client', azp: GOOGLE_CLIENT_ID }));
  providers.google.set('g-other-app', g('g-1', { aud: 'someone-else', azp: 'someone-else' }));
  providers.google.set('g-expired', g('g-1', { exp: now() - 5 }));
  providers.google.set('g-unverified', g('g-2', { emailVerified: false }));
  providers.twitter.set('tw-alice', { secret: 'tw-secret', userId: 'tw-1', email: 'alice@example.com', name: 'Alice' });
  const dir = mkdtempSync(join(tmpdir(), 'rcib-social-'));
  usersFile = join(dir, 'users.json');
  store = createFileUserStore(usersFile);
  await seedUsers(store);
});
afterAll(() => providers.close());

let h: Harness;
const start = async (env: Record<string, string> = {}) => {
  h = await startHarness({ store, env: { ...providers.env(), LOCAL_USERS_FILE: usersFile, SOCIAL_LINKS_FILE: join(mkdtempSync(join(tmpdir(), 'rcib-links-')), 'links.json'), ...env } });
};
afterEach(() => h.close());

async function post(provider: string, response: Record<string, unknown>, options: { csrf?: boolean; query?: string } = {}) {
  const jar = cookieJar();
  const page = await h.app.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const csrf = csrfFrom(page.body);
  const answer = await h.app.inject({
    method: 'POST',
    url: `/login/social${options.query ?? ''}`,
    headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'content-type': 'application/json', ...(options.csrf === false ? {} : { 'x-csrf-token': csrf }) },
    payload: JSON.stringify({ provider, response }),
  });
  jar.take(answer.headers['set-cookie']);
  return { answer, jar };
}

/** Follows `next` as the page does: the done page must hand Alice's credential to Rocket.Chat. */
async function expectSignedIn(result: Awaited<ReturnType<typeof post>>, username: string) {
  expect(result.answer.statusCode).toBe(200);
  const next = new URL(result.answer.json<{ next: string }>().next);
  expect(next.origin).toBe(PUBLIC_ORIGIN);
  const done = await h.app.inject({ method: 'GET', url: `${next.pathname}${next.search}`, headers: { cookie: result.jar.header() } });
  expect(done.statusCode).toBe(200);
  expect(done.body).toContain('data-mode="app"');
  expect(h.standIn.logins.at(-1)?.username).toBe(username);
}

describe('verified replies sign in', () => {
  beforeEach(() => start());

  test('facebook: debug_token + /me, linked to the local user by verified email', async () => {
    await expectSignedIn(await post('facebook', { accessToken: 'fb-alice', userID: 'fb-1', expiresIn: 3600, status: 'connected' }), 'alice');
  });

  test('google: ID token, and an access token issued to our client (azp)', async () => {
    await expectSignedIn(await post('google', { idToken: 'g-id-alice', userId: 'g-1', email: 'alice@example.com', displayName: 'Alice' }), 'alice');
    await expectSignedIn(await post('google', { oauthToken: 'g-access-alice', userId: 'g-1' }), 'alice');
  });

  test('twitter: verify_credentials signed with the consumer keys and the user token', async () => {
    await expectSignedIn(await post('twitter', { userName: 'alice', userId: 'tw-1', token: 'tw-alice', secret: 'tw-secret' }), 'alice');
  });

  test('the page query is kept in next', async () => {
    const { answer } = await post('facebook', { accessToken: 'fb-alice', userID: 'fb-1' }, { query: '?lang=de&theme=dark' });
    expect(answer.json()).toEqual({ next: `${PUBLIC_ORIGIN}/login?lang=de&theme=dark` });
  });
});

describe('forged or unusable replies are refused, and logged by code only', () => {
  beforeEach(() => start());
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['facebook wrong app', 'facebook', { accessToken: 'fb-other-app', userID: 'fb-1' }, 'wrong_app'],
    ['facebook expired', 'facebook', { accessToken: 'fb-expired', userID: 'fb-1' }, 'token_expired'],
    ['facebook user id mismatch', 'facebook', { accessToken: 'fb-alice', userID: 'fb-2' }, 'user_mismatch'],
    ['facebook unknown token', 'facebook', { accessToken: 'made-up', userID: 'fb-1' }, 'token_invalid'],
    ['google wrong audience', 'google', { idToken: 'g-other-app', userId: 'g-1' }, 'wrong_app'],
    ['google expired', 'google', { idToken: 'g-expired', userId: 'g-1' }, 'token_expired'],
    ['google user id mismatch', 'google', { idToken: 'g-id-alice', userId: 'g-9', email: 'alice@example.com' }, 'user_mismatch'],
    ['google unverified email', 'google', { idToken: 'g-unverified', userId: 'g-2' }, 'no_verified_email'],
    ['twitter wrong token secret', 'twitter', { userId: 'tw-1', token: 'tw-alice', secret: 'guessed' }, 'token_rejected'],
    ['twitter user id mismatch', 'twitter', { userId: 'tw-2', token: 'tw-alice', secret: 'tw-secret' }, 'user_mismatch'],
    ['a reply without its fields', 'facebook', { userID: 'fb-1' }, 'malformed_reply'],
    ['disabled local user', 'facebook', { accessToken: 'fb-bob', userID: 'fb-8' }, 'user_disabled'],
    ['nobody with that email, auto-create off', 'facebook', { accessToken: 'fb-new', userID: 'fb-77' }, 'no_such_user'],
  ];
  test.each(cases)('%s', async (_name, provider, response, code) => {
    const { answer } = await post(provider, response);
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toEqual({ error: 'refused' });
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(h.standIn.logins).toHaveLength(0);
    expect(h.logs.text).toContain(`"reason":"${code}"`);
    for (const value of Object.values(response)) if (String(value).length > 6) expect(h.logs.text).not.toContain(String(value));
  });

  test('without the CSRF token: 403; a provider not enabled: 404; a bad body: 400', async () => {
    expect((await post('facebook', { accessToken: 'fb-alice', userID: 'fb-1' }, { csrf: false })).answer.statusCode).toBe(403);
    await h.close();
    await start({ SOCIAL_PROVIDERS: 'google' });
    expect((await post('facebook', { accessToken: 'fb-alice', userID: 'fb-1' })).answer.json()).toEqual({ error: 'not_enabled' });
    expect((await post('myspace', {})).answer.statusCode).toBe(400);
  });
});

test('a provider that does not answer in time: 503 unavailable, not a refusal', async () => {
  await start({ SOCIAL_VERIFY_TIMEOUT_MS: '200' });
  providers.delayMs = 1000;
  try {
    const { answer } = await post('google', { idToken: 'g-id-alice', userId: 'g-1' });
    expect(answer.statusCode).toBe(503);
    expect(h.logs.text).toContain('"reason":"provider_timeout"');
  } finally {
    providers.delayMs = 0;
  }
});

test('SOCIAL_AUTO_CREATE: a new local user, then found again by the stored link after an email change', async () => {
  await start({ SOCIAL_AUTO_CREATE: 'true' });
  await expectSignedIn(await post('facebook', { accessToken: 'fb-new', userID: 'fb-77' }), 'newcomer');
  expect(await store.find('newcomer@example.net')).toMatchObject({ username: 'newcomer', email_verified: true, name: 'New Comer' });
  providers.facebook.set('fb-new-2', { appId: FACEBOOK_APP.id, userId: 'fb-77', expiresAt: now() + HOUR, isValid: true, email: 'changed@example.net' });
  await expectSignedIn(await post('facebook', { accessToken: 'fb-new-2', userID: 'fb-77' }), 'newcomer');
  expect((await store.list()).filter((u) => u.username.startsWith('newcomer'))).toHaveLength(1);
});

describe('the login page', () => {
  test('off by default: no buttons, no script for them, no connect-src', async () => {
    h = await startHarness({ store });
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    expect(page.body).not.toContain('data-provider');
    expect(String(page.headers['content-security-policy'])).not.toContain('connect-src');
  });

  test('on: a translated button per enabled provider, the exact Rocket.Chat origin, nonce-only scripts', async () => {
    await start({ SOCIAL_PROVIDERS: 'google,twitter', SOCIAL_REPLY_TIMEOUT_MS: '1234' });
    const page = await h.app.inject({ method: 'GET', url: '/login?lang=de' });
    expect(page.body).toContain('data-provider="google"');
    expect(page.body).toContain('>Weiter mit Twitter</button>');
    expect(page.body).not.toContain('data-provider="facebook"');
    expect(page.body).toContain('data-rc-origin="https://chat.example.com"');
    expect(page.body).toContain('data-timeout="1234"');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self'");
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    for (const tag of page.body.match(/<script[^>]*>/g) ?? []) expect(tag).toBe(`<script nonce="${nonce}">`);
    expect(page.body).not.toMatch(/postMessage\([^)]*'\*'/);
  });
});
