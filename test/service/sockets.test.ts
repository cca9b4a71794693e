/** The same flows over a real socket: what a browser and Rocket.Chat's client actually see. */
import type { AddressInfo } from 'node:net';
import { csrfFrom, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, startHarness, type Harness } from './support/harness';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
afterAll(() => h.close());

function cookiesOf(response: Response): string {
  return response.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
}

test('login form, then the API URL with credentials from the Rocket.Chat origin, over HTTP', async () => {
  const page = await fetch(`${base}/login?client=electron`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${RC_ORIGIN}`);
  const csrfCookie = cookiesOf(page);
  const posted = await fetch(`${base}/login?client=electron`, {
    method: 'POST',
    headers: { origin: PUBLIC_ORIGIN, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: PASSWORD, _csrf: csrfFrom(await page.text()) }),
  });
  expect(posted.status).toBe(200);
  const cookie = [csrfCookie, cookiesOf(posted)].join('; ');

  const preflight = await fetch(`${base}/api/session`, {
    method: 'OPTIONS',
    headers: { origin: RC_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(RC_ORIGIN);

  const api = await fetch(`${base}/api/session`, { method: 'POST', headers: { origin: RC_ORIGIN, cookie, 'content-type': 'application/json' } });
  expect(api.status).toBe(200);
  expect(api.headers.get('access-control-allow-origin')).toBe(RC_ORIGIN);
  expect(api.headers.get('access-control-allow-credentials')).toBe('true');
  expect(await api.json()).toEqual({ loginToken: h.standIn.tokens[0] });

  const nobody = await fetch(`${base}/api/session`, { method: 'POST', headers: { origin: RC_ORIGIN } });
  expect(nobody.status).toBe(401);
  expect(await nobody.text()).toBe('');

  const foreign = await fetch(`${base}/api/session`, { method: 'GET', headers: { origin: 'https://evil.example.net', cookie } });
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
});

test('health, readiness and metrics over HTTP', async () => {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const metrics = await fetch(`${base}/metrics`);
  expect(await metrics.text()).toContain('http_request_duration_seconds_count');
});
