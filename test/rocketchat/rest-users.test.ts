import { passwordDigest, startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { adminAuth, call, type Auth } from './call';

let rc: RocketChatStandIn;
let plain: Auth;
beforeAll(async () => {
  rc = await startRocketChat();
  const user = rc.createUser({ username: 'plain', email: 'plain@example.com', password: 'pw' });
  plain = { userId: user._id, token: rc.issueResumeToken(user._id) };
});
afterAll(() => rc.close());

const newUser = (n: string) => ({ email: `${n}@example.com`, name: n, username: n, password: 'Str0ng!pass' });

describe('users.info', () => {
  it('finds by username or userId and never shows services', async () => {
    const byName = await call(rc, 'GET', '/api/v1/users.info?username=plain', { auth: adminAuth(rc) });
    expect(byName.status).toBe(200);
    expect(byName.body.user).toMatchObject({ username: 'plain', emails: [{ address: 'plain@example.com', verified: false }], active: true, roles: ['user'], type: 'user' });
    expect(byName.body.user.services).toBeUndefined();
    const byId = await call(rc, 'GET', `/api/v1/users.info?userId=${byName.body.user._id}`, { auth: adminAuth(rc) });
    expect(byId.body.user.username).toBe('plain');
  });

  it('answers an unknown user with 400 {success: false, error}', async () => {
    const res = await call(rc, 'GET', '/api/v1/users.info?username=ghost', { auth: adminAuth(rc) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: 'User not found.' });
    expect((await call(rc, 'GET', '/api/v1/users.info', { auth: adminAuth(rc) })).body).toEqual({ success: false, error: 'Invalid search query.' });
  });
});

describe('users.info without view-full-other-user-info', () => {
  it('shows another user without emails or roles', async () => {
    const res = await call(rc, 'GET', '/api/v1/users.info?username=admin', { auth: plain });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ _id: rc.admin.userId, name: 'Administrator', username: 'admin', status: expect.any(String), type: 'user', active: true });
  });
});

describe('users.listByStatus', () => {
  beforeAll(() => {
    rc.createUser({ username: 'lena.search', email: 'Lena.Mail@Example.org', name: 'Lena' });
    rc.createUser({ username: 'lena2', email: 'other@example.org', name: 'Second Lena', active: false });
  });

  it('finds by a case-insensitive substring of username, name and (with view-full-other-user-info) email', async () => {
    const byMail = await call(rc, 'GET', '/api/v1/users.listByStatus?searchTerm=lena.mail%40example&count=10', { auth: adminAuth(rc) });
    expect(byMail.status).toBe(200);
    expect(byMail.body).toMatchObject({ success: true, count: 1, offset: 0, total: 1 });
    expect(byMail.body.users[0]).toEqual({
      _id: rc.findUser({ username: 'lena.search' })!._id,
      username: 'lena.search',
      name: 'Lena',
      emails: [{ address: 'Lena.Mail@Example.org', verified: false }],
      roles: ['user'],
      status: 'offline',
      active: true,
      type: 'user',
    });
    const byName = await call(rc, 'GET', '/api/v1/users.listByStatus?searchTerm=LENA', { auth: adminAuth(rc) });
    expect(byName.body.users.map((u: { username: string }) => u.username)).toEqual(['lena.search', 'lena2']);
    const active = await call(rc, 'GET', '/api/v1/users.listByStatus?searchTerm=lena&status=active', { auth: adminAuth(rc) });
    expect(active.body.total).toBe(1);
  });

  it('treats the search term as text, not a pattern', async () => {
    const res = await call(rc, 'GET', '/api/v1/users.listByStatus?searchTerm=.*', { auth: adminAuth(rc) });
    expect(res.body.total).toBe(0);
  });

  it('does not search emails for a caller without view-full-other-user-info', async () => {
    const res = await call(rc, 'GET', '/api/v1/users.listByStatus?searchTerm=lena.mail', { auth: plain });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
  });
});

describe('users.create', () => {
  it('creates a user with a 17-character id and the record shape of Rocket.Chat', async () => {
    const res = await call(rc, 'POST', '/api/v1/users.create', { auth: adminAuth(rc), body: { ...newUser('dave'), verified: true, roles: ['user', 'guest'] } });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.user._id).toMatch(/^[23456789A-HJ-NP-Za-km-z]{17}$/);
    expect(res.body.user).toMatchObject({ username: 'dave', name: 'dave', emails: [{ address: 'dave@example.com', verified: true }], roles: ['user', 'guest'], active: true, status: 'offline' });
    const stored = rc.findUser({ username: 'dave' })!;
    expect(stored.services.password).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain('Str0ng!pass');
    // The password works for a login.
    expect((await call(rc, 'POST', '/api/v1/login', { body: { user: 'dave', password: 'Str0ng!pass' } })).status).toBe(200);
  });

  it('needs create-user: a plain user gets saveUser\'s 400 error-action-not-allowed', async () => {
    const res = await call(rc, 'POST', '/api/v1/users.create', { auth: plain, body: newUser('eve') });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: 'Adding user is not allowed [error-action-not-allowed]',
      errorType: 'error-action-not-allowed',
      details: { method: 'insertOrUpdateUser', action: 'Adding_user' },
    });
    expect(rc.findUser({ username: 'eve' })).toBeUndefined();
  });

  it('refuses a username or email already in use, case-insensitively, with errorType error-field-unavailable', async () => {
    const name = await call(rc, 'POST', '/api/v1/users.create', { auth: adminAuth(rc), body: { ...newUser('x1'), username: 'DAVE' } });
    expect(name.status).toBe(400);
    expect(name.body).toMatchObject({ success: false, errorType: 'error-field-unavailable', error: 'DAVE is already in use :( [error-field-unavailable]' });
    const mail = await call(rc, 'POST', '/api/v1/users.create', { auth: adminAuth(rc), body: { ...newUser('x2'), email: 'DAVE@example.com' } });
    expect(mail.status).toBe(400);
    expect(mail.body.errorType).toBe('error-field-unavailable');
  });

  it('refuses missing fields and invalid usernames', async () => {
    const missing = await call(rc, 'POST', '/api/v1/users.create', { auth: adminAuth(rc), body: { email: 'a@b.io', name: 'a', username: 'a' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errorType).toBe('invalid-params');
    const invalid = await call(rc, 'POST', '/api/v1/users.create', { auth: adminAuth(rc), body: { ...newUser('x3'), username: 'has space' } });
    expect(invalid.body.errorType).toBe('error-invalid-username');
  });
});

describe('users.update', () => {
  it('updates another user with the admin PAT (bypassTwoFactor)', async () => {
    const target = rc.findUser({ username: 'plain' })!;
    const res = await call(rc, 'POST', '/api/v1/users.update', { auth: adminAuth(rc), body: { userId: target._id, data: { name: 'Plain Person', email: 'plain2@example.com', verified: true } } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ name: 'Plain Person', emails: [{ address: 'plain2@example.com', verified: true }] });
  });

  it('needs edit-other-user-info', async () => {
    const target = rc.findUser({ username: 'dave' })!;
    // plain was created moments ago: Rocket.Chat's 2FA grace after registration lets it past the 2FA check.
    const res = await call(rc, 'POST', '/api/v1/users.update', { auth: plain, body: { userId: target._id, data: { name: 'x' } } });
    expect(res.status).toBe(400);
    expect(res.body.errorType).toBe('error-action-not-allowed');
    expect(rc.findUser({ username: 'dave' })!.name).not.toBe('x');
  });

  it('is two-factor protected: an admin resume token must send the password digest as x-2fa-code', async () => {
    const login = await call(rc, 'POST', '/api/v1/login', { body: { user: 'admin', password: 'admin-password' } });
    const auth = { userId: login.body.data.userId, token: login.body.data.authToken };
    const target = rc.findUser({ username: 'dave' })!;
    const body = { userId: target._id, data: { name: 'Dave' } };
    const refused = await call(rc, 'POST', '/api/v1/users.update', { auth, body });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ success: false, errorType: 'totp-required', details: { method: 'password', availableMethods: [] } });
    const wrong = await call(rc, 'POST', '/api/v1/users.update', { auth, body, headers: { 'x-2fa-code': passwordDigest('nope'), 'x-2fa-method': 'password' } });
    expect(wrong.body.errorType).toBe('totp-invalid');
    const ok = await call(rc, 'POST', '/api/v1/users.update', { auth, body, headers: { 'x-2fa-code': passwordDigest('admin-password'), 'x-2fa-method': 'password' } });
    expect(ok.status).toBe(200);
  });
});

describe('users.createToken', () => {
  it('7.x: {userId} mints an ordinary resume token when CREATE_TOKENS_FOR_USERS is on', async () => {
    const target = rc.findUser({ username: 'dave' })!;
    const before = rc.resumeTokenCount(target._id);
    const res = await call(rc, 'POST', '/api/v1/users.createToken', { auth: adminAuth(rc), body: { userId: target._id } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { userId: target._id, authToken: expect.any(String) } });
    expect(rc.resumeTokenCount(target._id)).toBe(before + 1);
    expect((await call(rc, 'POST', '/api/v1/login', { body: { resume: res.body.data.authToken } })).status).toBe(200);
  });

  it('needs user-generate-access-token for another user', async () => {
    const target = rc.findUser({ username: 'dave' })!;
    const res = await call(rc, 'POST', '/api/v1/users.createToken', { auth: plain, body: { userId: target._id } });
    expect(res.status).toBe(400);
    expect(res.body.errorType).toBe('error-not-authorized');
  });

  it('7.x: refused when CREATE_TOKENS_FOR_USERS is off', async () => {
    const off = await startRocketChat({ createToken: { mode: '7.x', enabled: false } });
    try {
      const res = await call(off, 'POST', '/api/v1/users.createToken', { auth: adminAuth(off), body: { userId: off.admin.userId } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, errorType: 'error-not-authorized' });
    } finally {
      await off.close();
    }
  });

  it('8.x: needs {userId, secret} equal to the configured secret', async () => {
    const v8 = await startRocketChat({ createToken: { mode: '8.x', secret: 'the-secret' } });
    try {
      const user = v8.createUser({ username: 'frank', email: 'frank@example.com' });
      const none = await call(v8, 'POST', '/api/v1/users.createToken', { auth: adminAuth(v8), body: { userId: user._id } });
      expect(none).toMatchObject({ status: 400, body: { success: false, errorType: 'invalid-params' } });
      const wrong = await call(v8, 'POST', '/api/v1/users.createToken', { auth: adminAuth(v8), body: { userId: user._id, secret: 'guess' } });
      expect(wrong.body.errorType).toBe('error-not-authorized');
      const ok = await call(v8, 'POST', '/api/v1/users.createToken', { auth: adminAuth(v8), body: { userId: user._id, secret: 'the-secret' } });
      expect(ok.status).toBe(200);
      expect(ok.body.data.userId).toBe(user._id);
      expect((await call(v8, 'GET', '/api/info')).body.version).toMatch(/^8\./);
    } finally {
      await v8.close();
    }
  });
});

describe('users.logout and users.setActiveStatus', () => {
  it('users.logout needs logout-other-user and clears every login token', async () => {
    const user = rc.createUser({ username: 'gina', email: 'gina@example.com' });
    const token = rc.issueResumeToken(user._id);
    rc.issueResumeToken(user._id);
    const refused = await call(rc, 'POST', '/api/v1/users.logout', { auth: plain, body: { userId: user._id } });
    expect(refused).toMatchObject({ status: 403, body: { success: false, error: 'unauthorized' } });
    expect(rc.resumeTokenCount(user._id)).toBe(2);
    const res = await call(rc, 'POST', '/api/v1/users.logout', { auth: adminAuth(rc), body: { userId: user._id } });
    expect(res.body).toEqual({ success: true, message: `User ${user._id} has been logged out!` });
    expect(rc.resumeTokenCount(user._id)).toBe(0);
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token } })).status).toBe(401);
  });

  it('deactivating a user removes their tokens; reactivating does not bring them back', async () => {
    const user = rc.createUser({ username: 'hank', email: 'hank@example.com' });
    const token = rc.issueResumeToken(user._id);
    expect((await call(rc, 'POST', '/api/v1/users.setActiveStatus', { auth: plain, body: { userId: user._id, activeStatus: false } })).status).toBe(403);
    expect(user.active).toBe(true);
    const res = await call(rc, 'POST', '/api/v1/users.setActiveStatus', { auth: adminAuth(rc), body: { userId: user._id, activeStatus: false } });
    expect(res.body).toEqual({ success: true, user: { _id: user._id, active: false } });
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token } })).status).toBe(401);
    await call(rc, 'POST', '/api/v1/users.setActiveStatus', { auth: adminAuth(rc), body: { userId: user._id, activeStatus: true } });
    expect((await call(rc, 'GET', '/api/v1/me', { auth: { userId: user._id, token } })).status).toBe(401);
  });
});

describe('users.register', () => {
  it('is refused while the registration form is disabled, and works when it is public', async () => {
    const body = { username: 'ivy', email: 'ivy@example.com', pass: 'pw', name: 'Ivy' };
    const closed = await call(rc, 'POST', '/api/v1/users.register', { body });
    expect(closed.status).toBe(400);
    expect(closed.body.errorType).toBe('error-user-registration-disabled');
    expect((await call(rc, 'POST', '/api/v1/users.register', { body: { ...body, username: 'Plain' } })).body).toEqual({ success: false, error: 'Username is already in use' });
    const open = await startRocketChat({ registration: true });
    try {
      const res = await call(open, 'POST', '/api/v1/users.register', { body });
      expect(res.status).toBe(200);
      expect(res.body.user.username).toBe('ivy');
    } finally {
      await open.close();
    }
  });
});
