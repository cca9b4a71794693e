/** After a full login, API call and logout, nothing secret appears in the logs. */
import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, SECRET, SESSION_SECRET, startHarness } from './support/harness';

test('no token, secret, password, assertion or cookie value in the captured pino output', async () => {
  const h = await startHarness({ env: { LOG_LEVEL: 'trace' } });
  try {
    const jar = cookieJar();
    await login(h.app, jar, 'alice', 'a wrong password');
    const done = await login(h.app, jar, 'alice', PASSWORD, '?client=electron');
    expect(done.statusCode).toBe(200);
    // Query strings may carry OAuth codes: the access line logs the path only.
    const api = await h.app.inject({ method: 'POST', url: '/api/session?code=oauth-code-in-the-query', headers: { origin: RC_ORIGIN, cookie: jar.header(), authorization: 'Bearer site-bearer-secret' } });
    expect(api.statusCode).toBe(200);
    const cookieValues = jar.values();
    // The credential deliberately logged by a careless handler is still redacted.
    h.app.log.info({ loginToken: api.json().loginToken, assertion: 'x.y.z', req: { headers: { cookie: jar.header() } } }, 'careless');
    await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'x-csrf-token': csrfFrom(done.body) } });

    const logs = h.logs.text;
    expect(logs.length).toBeGreaterThan(500);
    const secrets = [PASSWORD, 'a wrong password', SECRET, SESSION_SECRET, 'site-bearer-secret', 'oauth-code-in-the-query', csrfFrom(done.body), ...h.standIn.tokens, ...cookieValues, 'x.y.z'];
    for (const secret of secrets) expect(logs).not.toContain(secret);
    // An assertion is a JWS; no compact JWS/JWE of any kind is in the logs.
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\./);
    expect(logs).toContain('[redacted]');
  } finally {
    await h.close();
  }
});

test('password mode: no password, two-factor code, Rocket.Chat token, pending id or cookie value in the logs', async () => {
  const { totpCode } = await import('../../devstack/rocketchat');
  const { pendingFrom, rcAlice, startPasswordHarness, submitCode, TOTP_SECRET } = await import('./support/password');
  const p = await startPasswordHarness({ env: { LOG_LEVEL: 'trace', PASSWORD_MODE_RECHECK_SECONDS: '0' } });
  try {
    rcAlice(p.rc, { totpSecret: TOTP_SECRET });
    const jar = cookieJar();
    await login(p.app, jar, 'alice', 'a wrong password');
    const page = await login(p.app, jar, 'alice', PASSWORD);
    const code = totpCode(TOTP_SECRET);
    const done = await submitCode(p.app, jar, page.body, code);
    expect(done.statusCode).toBe(200);
    const token = /data-login-token="([^"]+)"/.exec(done.body)?.[1] as string;
    const api = await p.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
    expect(api.json()).toEqual({ loginToken: token });
    await p.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'x-csrf-token': csrfFrom(done.body) } });

    const logs = p.logs.text;
    expect(logs).toContain('Rocket.Chat asks for a second factor');
    // Six digits also occur inside timestamps: only the code on its own counts.
    expect(logs).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    for (const secret of [PASSWORD, 'a wrong password', token, pendingFrom(page.body), csrfFrom(done.body), SESSION_SECRET, ...jar.values()]) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\./);
  } finally {
    await p.close();
  }
});
