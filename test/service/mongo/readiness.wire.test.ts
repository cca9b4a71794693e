/**
 * /readyz covers every part the configured mode uses, the session revocation list included:
 * with a site identity source and TOKEN_MODE=app, MONGODB_URL serves only that list, and an
 * outage there (logouts and session checks failing) must still show.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createJwtCookieIdentity } from '../../../service/identity/jwt-cookie';
import { createLocalIdentity } from '../../../service/identity/local';
import { OPERATION_TIMEOUT_MS } from '../../../service/mongo';
import { createMongoRevocationList } from '../../../service/sessions/mongo-revocation';
import { createMongoTokenIssuer } from '../../../service/modes/mongo/issuer';
import { createMongoUserStore } from '../../../service/users/mongo-store';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';
import { startHarness, type Harness } from '../support/harness';

const SITE = { cookieName: 'site_jwt', key: 'site-jwt-secret-of-at-least-32-bytes!!', issuer: 'https://www.example.org', audience: 'chat-bridge' };

const readyz = (h: Harness) => h.app.inject({ method: 'GET', url: '/readyz' });

describe(`/readyz with MongoDB behind the revocation list — ${WIRE_LEVEL}`, () => {
  let wire: WireHarness;
  beforeEach(async () => {
    wire = await startWireHarness('bridge');
  });
  afterEach(() => wire.close());

  test('jwt-cookie identity, App tokens, MONGODB_URL for revocation only: stopped → 503 with revocation false; back → 200', async () => {
    const env = {
      IDENTITY_SOURCE: 'jwt-cookie',
      JWT_COOKIE_NAME: SITE.cookieName,
      JWT_COOKIE_KEY: SITE.key,
      JWT_COOKIE_ISSUER: SITE.issuer,
      JWT_COOKIE_AUDIENCE: SITE.audience,
      JWT_COOKIE_ALGORITHMS: 'HS256',
      MONGODB_URL: wire.server.url('bridge'),
    };
    // The harness would put a local identity in; this one matches the configuration. Tokens and revocations are built from it.
    const h = await startHarness({ env, deps: { identity: createJwtCookieIdentity({ ...SITE, algorithms: ['HS256'], fieldMap: {} }) } });
    try {
      const up = await readyz(h);
      expect(up.statusCode).toBe(200);
      expect(up.json()).toEqual({ ready: true, checks: { tokens: true, identity: true, revocation: true } });

      await wire.server.stop();
      const started = Date.now();
      const down = await readyz(h);
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ ready: false, checks: { tokens: true, identity: true, revocation: false }, reasons: { revocation: expect.stringMatching(/^MongoDB is unreachable \(Mongo\w+Error\)$/) } });
      expect(Date.now() - started).toBeLessThan(OPERATION_TIMEOUT_MS + 1000);

      await wire.server.start();
      const deadline = Date.now() + 10_000;
      while ((await readyz(h)).statusCode !== 200) {
        if (Date.now() > deadline) throw new Error('/readyz not 200 within 10 s of MongoDB being back');
        await sleep(50);
      }
      expect((await readyz(h)).json()).toEqual({ ready: true, checks: { tokens: true, identity: true, revocation: true } });
    } finally {
      await h.close();
    }
  }, 30_000);

  test('one client behind tokens, users and revocations: one ping per /readyz answers for all three', async () => {
    const { db } = wire;
    const h = await startHarness({
      env: { TOKEN_MODE: 'mongo', MONGODB_URL: wire.server.url('bridge') },
      deps: {
        issuer: createMongoTokenIssuer({ db, autoCreate: false, defaultRoles: ['user'], siteIssuer: 'https://auth.example.com' }),
        identity: createLocalIdentity(createMongoUserStore(db)),
        revocations: createMongoRevocationList(db),
      },
    });
    try {
      const command = jest.spyOn(db, 'command');
      const pings = () => command.mock.calls.filter(([body]) => 'ping' in body).length;
      expect((await readyz(h)).json()).toEqual({ ready: true, checks: { tokens: true, identity: true, revocation: true } });
      expect(pings()).toBe(1);
      // Shared while in flight, never cached: the next /readyz asks again.
      await readyz(h);
      expect(pings()).toBe(2);
    } finally {
      await h.close();
    }
  });
});
