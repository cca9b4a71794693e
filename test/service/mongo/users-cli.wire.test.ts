/**
 * `npm run users -- disable|passwd|remove` with MONGODB_URL: the store change, a subject revocation
 * in the shared list (every replica's mirror of it ends the user's sessions within seconds), and the Rocket.Chat tokens
 * revoked — through the App, or in Rocket.Chat's database with TOKEN_MODE=mongo.
 */
import { PassThrough } from 'node:stream';
import type { Document } from 'bson';
import { main } from '../../../service/cli/users';
import { createLocalIdentity } from '../../../service/identity/local';
import { REVOKED_COLLECTION } from '../../../service/sessions/mongo-revocation';
import { MIRROR_STALE_AFTER_MS } from '../../../service/sessions/revocation-mirror';
import { createMongoUserStore, USERS_COLLECTION } from '../../../service/users/mongo-store';
import type { UserStore } from '../../../service/users/types';
import { startWireHarness, WIRE_LEVEL, type WireHarness } from '../../support/mongo/harness';
import { baseEnv, cookieJar, login, PASSWORD, PUBLIC_ORIGIN, RC_ORIGIN, seedUsers, startHarness, type Harness } from '../support/harness';

describe(`users CLI with MONGODB_URL — ${WIRE_LEVEL}`, () => {
  let wire: WireHarness;
  let store: UserStore;
  let out: string[];
  let err: string[];

  beforeEach(async () => {
    wire = await startWireHarness('rocketchat');
    store = createMongoUserStore(wire.db);
    await seedUsers(store);
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await wire.close();
  });

  describe('a replica running on the same database', () => {
    let h: Harness;
    let env: NodeJS.ProcessEnv;

    beforeEach(async () => {
      const mongoUrl = wire.server.url('rocketchat');
      // The companion builds its own revocation list on MONGODB_URL; its cache would hold alice for an hour.
      h = await startHarness({ store, env: { MONGODB_URL: mongoUrl }, deps: { identity: createLocalIdentity(store, { cacheSeconds: 3600 }) } });
      env = baseEnv({ APP_LOGIN_URL: `${h.standIn.url}login`, MONGODB_URL: mongoUrl }) as NodeJS.ProcessEnv;
    });
    afterEach(() => h.close());

    test.each([['disable'], ['passwd', '--password-stdin'], ['remove']])('users %s ends her session on every replica within the mirrors\' bound', async (command, ...rest) => {
      const jar = cookieJar();
      expect((await login(h.app, jar, 'alice', PASSWORD)).statusCode).toBe(200);
      const api = () => h.app.inject({ method: 'POST', url: '/api/session', headers: { origin: RC_ORIGIN, cookie: jar.header() } });
      expect((await api()).statusCode).toBe(200);
      // Sessions are dated in whole seconds, the revocation's bound too.
      await new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)));

      // The new password piped in, as a script would (never on the command line).
      const input = Object.assign(new PassThrough(), { isTTY: false });
      input.end('a brand new password\n');
      expect(await main([command, 'alice', ...rest], env, { input, output: new PassThrough() })).toBe(0);
      expect(out.join('')).toMatch(/; their companion sessions end on every replica within 3 s; their Rocket.Chat login tokens were revoked\n$/);
      expect(err).toEqual([]);
      const [revocation] = wire.updates(REVOKED_COLLECTION);
      expect(revocation.q).toEqual({ _id: 'sub:sub-alice' });
      expect(revocation.upsert).toBe(true);
      expect(h.standIn.logouts.at(-1)).toMatchObject({ sub: 'sub-alice', iss: PUBLIC_ORIGIN });

      // The companion's mirror of the shared list picks the CLI's write up at its next poll.
      const written = Date.now();
      let ended = await api();
      while (ended.statusCode === 200 && Date.now() - written < MIRROR_STALE_AFTER_MS) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ended = await api();
      }
      expect(ended.statusCode).toBe(401);
      expect(h.standIn.logins).toHaveLength(1);
      const page = await h.app.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
      expect(page.body).not.toContain('data-login-token');
      expect(h.standIn.logins).toHaveLength(1);
    });

    test('the revocation list failing: the store change still ends her sessions (within 60 s), said on stderr; exit 0', async () => {
      wire.server.handle((command) => (command.name === 'update' && command.body.update === REVOKED_COLLECTION ? { ok: 0, code: 13, codeName: 'Unauthorized', errmsg: 'not authorized' } : wire.fake.handler(command)));
      expect(await main(['disable', 'alice'], env)).toBe(0);
      expect((await store.find('alice'))?.disabled).toBe(true);
      expect(out.join('')).toBe('disabled alice; their companion sessions end within 60 s; their Rocket.Chat login tokens were revoked\n');
      expect(err.join('')).toMatch(/^warning: could not write the shared revocation list \(.+\); their companion sessions end within 60 s instead of within 3 s\n$/);
    });
  });

  test('TOKEN_MODE=mongo: disable unsets her iframe token and pulls her login tokens in Rocket.Chat', async () => {
    const link = { issuer: PUBLIC_ORIGIN, sub: 'sub-alice' };
    const account: Document = {
      _id: 'rcUserAlice000001',
      username: 'alice',
      emails: [{ address: 'alice@example.com', verified: true }],
      active: true,
      type: 'user',
      roles: ['user'],
      services: { iframe: { token: 'held' }, iframeBridge: link, resume: { loginTokens: [{ hashedToken: 'h1', when: new Date() }] } },
    };
    wire.fake.docs('users').push(account);
    const env = baseEnv({ TOKEN_MODE: 'mongo', APP_LOGIN_URL: undefined, ASSERTION_SECRET: undefined, MONGODB_URL: wire.server.url('rocketchat') }) as NodeJS.ProcessEnv;
    expect(await main(['disable', 'alice'], env)).toBe(0);
    expect(err).toEqual([]);
    const [stored] = wire.fake.docs('users');
    expect(stored.services.iframe).toEqual({});
    expect(stored.services.resume.loginTokens).toEqual([]);
    expect(wire.fake.docs(USERS_COLLECTION).find((u) => u.username === 'alice')?.disabled).toBe(true);
  });
});
