import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRocketChat, type RocketChatStandIn } from '../../devstack/rocketchat';
import { adminAuth, call } from './call';

describe('fault injection', () => {
  let rc: RocketChatStandIn;
  beforeAll(async () => {
    rc = await startRocketChat();
  });
  afterAll(() => rc.close());
  afterEach(() => rc.faults.clear());

  it('down refuses connections, and clear reopens the same port', async () => {
    expect((await call(rc, 'GET', '/api/info')).status).toBe(200);
    await rc.faults.set({ down: true });
    const err = await fetch(`${rc.url}/api/info`).then(() => undefined, (e: Error & { cause?: { code?: string } }) => e);
    expect(err?.cause?.code).toBe('ECONNREFUSED');
    await rc.faults.clear();
    expect((await call(rc, 'GET', '/api/info')).status).toBe(200);
  });

  it('status answers every matching path with that status', async () => {
    await rc.faults.set({ status: 500, paths: /users\.info/ });
    expect((await call(rc, 'GET', '/api/v1/users.info?username=admin', { auth: adminAuth(rc) })).status).toBe(500);
    expect((await call(rc, 'GET', '/api/info')).status).toBe(200);
  });

  it('malformed answers 200 with JSON cut short', async () => {
    await rc.faults.set({ malformed: true });
    const res = await fetch(`${rc.url}/api/v1/me`);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('delayMs slows the answer down', async () => {
    await rc.faults.set({ delayMs: 300 });
    const started = Date.now();
    await call(rc, 'GET', '/api/info');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('request log', () => {
  it('records method, path, user and status, but no query strings, bodies or tokens', async () => {
    const rc = await startRocketChat();
    try {
      rc.createUser({ username: 'kim', email: 'kim@example.com', password: 'secret-pw' });
      const login = await call(rc, 'POST', '/api/v1/login', { body: { user: 'kim', password: 'secret-pw' } });
      await call(rc, 'GET', '/api/v1/users.info?username=kim', { auth: adminAuth(rc) });
      expect(rc.requests).toEqual([
        { method: 'POST', path: '/api/v1/login', userId: login.body.data.userId, status: 200 },
        { method: 'GET', path: '/api/v1/users.info', userId: rc.admin.userId, status: 200 },
      ]);
      const text = JSON.stringify(rc.requests);
      for (const secret of ['secret-pw', login.body.data.authToken, rc.admin.token]) expect(text).not.toContain(secret);
    } finally {
      await rc.close();
    }
  });
});

describe('REST rate limit (option)', () => {
  it('allows 10 calls a minute per IP and route, then 429 {success: false, error: "… [error-too-many-requests]"} with the X-RateLimit headers', async () => {
    const rc = await startRocketChat({ rateLimit: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await call(rc, 'GET', '/api/info')).status);
      expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
      const limited = await call(rc, 'GET', '/api/info');
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ success: false, error: expect.stringMatching(/^Error, too many requests\. Please slow down\. You must wait \d+ seconds before trying this endpoint again\. \[error-too-many-requests\]$/) });
      expect(limited.headers.get('x-ratelimit-limit')).toBe('10');
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now());
      // Another route has its own budget; users with api-bypass-rate-limit are not counted.
      expect((await call(rc, 'GET', '/api/v1/settings.public')).status).toBe(200);
      for (let i = 0; i < 15; i++) expect((await call(rc, 'GET', '/api/v1/me', { auth: adminAuth(rc) })).status).toBe(200);
      rc.resetRateLimit();
      expect((await call(rc, 'GET', '/api/info')).status).toBe(200);
    } finally {
      await rc.close();
    }
  });

  it('allows one users.register a minute (Rate_Limiter_Limit_RegisterUser)', async () => {
    const rc = await startRocketChat({ rateLimit: true, registration: true });
    try {
      const body = (n: string) => ({ username: n, email: `${n}@example.com`, pass: 'pw', name: n });
      expect((await call(rc, 'POST', '/api/v1/users.register', { body: body('reg1') })).status).toBe(200);
      expect((await call(rc, 'POST', '/api/v1/users.register', { body: body('reg2') })).status).toBe(429);
      expect(rc.findUser({ username: 'reg2' })).toBeUndefined();
    } finally {
      await rc.close();
    }
  });

  it('takes other limits when a test needs them ({ calls, windowMs, registerCalls })', async () => {
    const rc = await startRocketChat({ rateLimit: { calls: 2, registerCalls: 3 }, registration: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(rc, 'GET', '/api/info')).status);
      expect(statuses).toEqual([200, 200, 429]);
      const body = (n: string) => ({ username: n, email: `${n}@example.com`, pass: 'pw', name: n });
      for (const n of ['r1', 'r2', 'r3']) expect((await call(rc, 'POST', '/api/v1/users.register', { body: body(n) })).status).toBe(200);
    } finally {
      await rc.close();
    }
  });

  it('is off by default', async () => {
    const rc = await startRocketChat();
    try {
      for (let i = 0; i < 15; i++) expect((await call(rc, 'GET', '/api/info')).status).toBe(200);
    } finally {
      await rc.close();
    }
  });
});

describe('apps hook', () => {
  it('gets every /api/apps/* request first; unanswered ones are 404', async () => {
    const seen: string[] = [];
    const apps = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
      seen.push(`${req.method} ${req.url}`);
      if (!req.url?.startsWith('/api/apps/public/app-1/')) return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return true;
    };
    const rc = await startRocketChat({ apps });
    try {
      const hit = await call(rc, 'POST', '/api/apps/public/app-1/login?x=1', { body: { assertion: 'a' } });
      expect(hit).toMatchObject({ status: 200, body: { ok: true } });
      expect((await call(rc, 'GET', '/api/apps/public/other/status')).status).toBe(404);
      expect(seen).toEqual(['POST /api/apps/public/app-1/login?x=1', 'GET /api/apps/public/other/status']);
      expect(rc.requests.map((r) => [r.path, r.status])).toEqual([
        ['/api/apps/public/app-1/login', 200],
        ['/api/apps/public/other/status', 404],
      ]);
      // A host plugged in later replaces the first one.
      rc.setApps(async (_req, res) => {
        res.writeHead(204).end();
        return true;
      });
      expect((await call(rc, 'GET', '/api/apps/public/other/status')).status).toBe(204);
    } finally {
      await rc.close();
    }
  });
});

describe('client page headers', () => {
  it('sends no X-Frame-Options by default, sameorigin when Iframe_Restrict_Access is on', async () => {
    const rc = await startRocketChat();
    try {
      expect((await fetch(`${rc.url}/home`)).headers.get('x-frame-options')).toBeNull();
      rc.setSetting('Iframe_Restrict_Access', true);
      expect((await fetch(`${rc.url}/`)).headers.get('x-frame-options')).toBe('sameorigin');
    } finally {
      await rc.close();
    }
  });
});
