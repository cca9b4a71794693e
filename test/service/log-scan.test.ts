/** After a full login, API call and logout, nothing secret appears in the logs. */
import { cookieJar, csrfFrom, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, SECRET, SESSION_SECRET, startHarness } from './support/harness';

test('no token, secret, password, assertion or cookie value in the captured pino output', async () => {
  const h = await startHarness({ env: { LOG_LEVEL: 'trace' } });
  try {
    const jar = cookieJar();
    await login(h.app, jar, 'alice', 'a wrong password');
    const done = await login(h.app, jar, 'alice', PASSWORD, '?client=electron');
    expect(done.statusCode).toBe(200);
    const api = await h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header(), authorization: 'Bearer site-bearer-secret' } });
    expect(api.statusCode).toBe(200);
    const cookieValues = jar.values();
    // The credential deliberately logged by a careless handler is still redacted.
    h.app.log.info({ loginToken: api.json().loginToken, assertion: 'x.y.z', req: { headers: { cookie: jar.header() } } }, 'careless');
    await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header(), origin: PUBLIC_ORIGIN, 'x-csrf-token': csrfFrom(done.body) } });

    const logs = h.logs.text;
    expect(logs.length).toBeGreaterThan(500);
    const secrets = [PASSWORD, 'a wrong password', SECRET, SESSION_SECRET, 'site-bearer-secret', csrfFrom(done.body), ...h.standIn.tokens, ...cookieValues, 'x.y.z'];
    for (const secret of secrets) expect(logs).not.toContain(secret);
    // An assertion is a JWS; no compact JWS/JWE of any kind is in the logs.
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\./);
    expect(logs).toContain('[redacted]');
  } finally {
    await h.close();
  }
});
