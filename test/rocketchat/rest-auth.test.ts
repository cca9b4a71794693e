import { createHash } from 'node:crypto';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { adminAuth, call } from './call';

let rc: RocketChatStandIn;
beforeAll(async () => {
  rc = await startRocketChat();
});
afterAll(() => rc.close());

describe('POST /api/v1/login', () => {
  beforeAll(() => {
    rc.createUser({ username: 'alice', email: 'Alice@Example.com', name: 'Alice', password: 'correct horse' });
  });

  it('logs in by username and answers {status, data: {authToken, userId, me}}', async () => {
    const res = await call(rc, 'POST', '/api/v1/login', { body: { user: 'alice', password: 'correct horse' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('success');
    expect(res.body.data).toEqual({ userId: rc.findUser({ username: 'alice' })!._id, authToken: expect.any(String), me: expect.objectContaining({ username: 'alice' }) });
    expect(res.body.data.me.services).toBeUndefined();
  });

  it('logs in by email, case-insensitively, and by a SHA-256 digest of the password', async () => {
    const digest = createHash('sha256').update('correct horse').digest('hex');
    const res = await call(rc, 'POST', '/api/v1/login', { body: { user: 'alice@example.COM', password: { digest, algorithm: 'sha-256' } } });
    expect(res.status).toBe(200);
  });

  it('answers a wrong password with 401 {status: "error", error} and no errorType', async () => {
    const res = await call(rc, 'POST', '/api/v1/login', { body: { user: 'alice', password: 'wrong' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, status: 'error', error: 'Unauthorized', message: 'Unauthorized' });
    expect(res.body.errorType).toBeUndefined();
  });

  it('refuses a body no login handler accepts', async () => {
    const res = await call(rc, 'POST', '/api/v1/login', { body: { foo: 'bar' } });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Unrecognized options for login request');
  });

  it('resumes with a resume token and hands back the same token without storing a new one', async () => {
    const user = rc.findUser({ username: 'alice' })!;
    const token = rc.issueResumeToken(user._id);
    const before = rc.resumeTokenCount(user._id);
    const res = await call(rc, 'POST', '/api/v1/login', { body: { resume: token } });
    expect(res.status).toBe(200);
    expect(res.body.data.authToken).toBe(token);
    expect(rc.resumeTokenCount(user._id)).toBe(before);
    const bad = await call(rc, 'POST', '/api/v1/login', { body: { resume: 'not-a-token' } });
    expect(bad.status).toBe(401);
  });

  it('logs in with {iframe: true, token} against services.iframe.token, and only with a string', async () => {
    const user = rc.findUser({ username: 'alice' })!;
    rc.setIframeToken(user._id, 'iframe-secret-1');
    const ok = await call(rc, 'POST', '/api/v1/login', { body: { iframe: true, token: 'iframe-secret-1' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data.userId).toBe(user._id);
    // The iframe token is stored in plain text and stays valid: a second login works too.
    expect((await call(rc, 'POST', '/api/v1/login', { body: { iframe: true, token: 'iframe-secret-1' } })).status).toBe(200);
    expect((await call(rc, 'POST', '/api/v1/login', { body: { iframe: true, token: 'other' } })).status).toBe(401);
    expect((await call(rc, 'POST', '/api/v1/login', { body: { iframe: true, token: { $ne: null } } })).status).toBe(401);
  });

  it('refuses a deactivated user', async () => {
    rc.createUser({ username: 'sleepy', email: 'sleepy@example.com', password: 'pw', active: false });
    const res = await call(rc, 'POST', '/api/v1/login', { body: { user: 'sleepy', password: 'pw' } });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('error-user-is-not-activated');
  });
});

describe('REST authentication', () => {
  it('stores login tokens as base64(SHA-256(token)), never in clear', async () => {
    const login = await call(rc, 'POST', '/api/v1/login', { body: { user: 'admin', password: 'admin-password' } });
    const token: string = login.body.data.authToken;
    const stored = rc.findUser({ username: 'admin' })!.services.resume.loginTokens;
    expect(stored.some((t) => t.hashedToken === createHash('sha256').update(token).digest('base64'))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.every((t) => t.when instanceof Date)).toBe(true);
  });

  it('accepts X-User-Id + X-Auth-Token on /api/v1/me and refuses a wrong pair with 401', async () => {
    const me = await call(rc, 'GET', '/api/v1/me', { auth: adminAuth(rc) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ success: true, _id: rc.admin.userId, username: 'admin' });
    const other = rc.createUser({ username: 'bob', email: 'bob@example.com' });
    const wrongUser = await call(rc, 'GET', '/api/v1/me', { auth: { userId: other._id, token: rc.admin.token } });
    expect(wrongUser.status).toBe(401);
    expect(wrongUser.body).toEqual({ success: false, status: 'error', error: 'You must be logged in to do this.', message: 'You must be logged in to do this.' });
    expect((await call(rc, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('logout removes only the token used', async () => {
    const user = rc.createUser({ username: 'carol', email: 'carol@example.com' });
    const a = rc.issueResumeToken(user._id);
    const b = rc.issueResumeToken(user._id);
    const out = await call(rc, 'POST', '/api/v1/logout', { auth: { userId: user._id, token: a } });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ status: 'success', data: { message: "You've been logged out!" } });
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token: a } })).status).toBe(401);
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token: b } })).status).toBe(200);
  });

  it('keeps at most 50 resume tokens, dropping the oldest, and does not count personal access tokens', async () => {
    const user = rc.createUser({ username: 'churn', email: 'churn@example.com' });
    const first = rc.issueResumeToken(user._id);
    for (let i = 0; i < 60; i++) rc.issueResumeToken(user._id);
    expect(rc.resumeTokenCount(user._id)).toBe(50);
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token: first } })).status).toBe(401);
    for (let i = 0; i < 60; i++) rc.issueResumeToken(rc.admin.userId);
    expect((await call(rc, 'GET', '/api/v1/me', { auth: adminAuth(rc) })).status).toBe(200);
  });

  it('expires resume tokens after Accounts_LoginExpiration days', async () => {
    const user = rc.createUser({ username: 'old', email: 'old@example.com' });
    const token = rc.issueResumeToken(user._id);
    user.services.resume.loginTokens[0].when = new Date(Date.now() - 91 * 86_400_000);
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token } })).status).toBe(401);
  });
});

describe('public endpoints', () => {
  it('settings.public exposes the four iframe settings and Site_Url, filtered by an _id list', async () => {
    rc.setIframe({ enabled: true, url: 'http://site/login', apiUrl: 'http://site/api/session', apiMethod: 'GET' });
    const ids = ['Accounts_iframe_enabled', 'Accounts_iframe_url', 'Accounts_Iframe_api_url', 'Accounts_Iframe_api_method', 'Site_Url'];
    const byIds = await call(rc, 'GET', `/api/v1/settings.public?_id=${ids.join(',')}`);
    expect(byIds.body.success).toBe(true);
    expect(Object.fromEntries(byIds.body.settings.map((s: { _id: string; value: unknown }) => [s._id, s.value]))).toEqual({
      Accounts_iframe_enabled: true,
      Accounts_iframe_url: 'http://site/login',
      Accounts_Iframe_api_url: 'http://site/api/session',
      Accounts_Iframe_api_method: 'GET',
      Site_Url: rc.url,
    });
    expect(byIds.body).toMatchObject({ count: 5, offset: 0, total: 5 });
  });

  it('settings.public ignores the legacy `query` parameter, as 7.x does, and pages by offset/count', async () => {
    const byQuery = await call(rc, 'GET', `/api/v1/settings.public?query=${encodeURIComponent(JSON.stringify({ _id: { $in: ['Accounts_iframe_url'] } }))}`);
    expect(byQuery.body.settings.length).toBeGreaterThan(1);
    const ids = byQuery.body.settings.map((s: { _id: string }) => s._id);
    expect(ids).toEqual([...ids].sort());
    const page = await call(rc, 'GET', '/api/v1/settings.public?offset=1&count=2');
    expect(page.body).toMatchObject({ count: 2, offset: 1, total: byQuery.body.total });
    expect(page.body.settings.map((s: { _id: string }) => s._id)).toEqual(ids.slice(1, 3));
  });

  it('/api/info answers the version without auth', async () => {
    const res = await call(rc, 'GET', '/api/info');
    expect(res.body).toEqual({ version: expect.stringMatching(/^7\./), success: true });
  });

  it('unknown API routes are 404', async () => {
    expect((await call(rc, 'GET', '/api/v1/nope')).status).toBe(404);
  });
});
