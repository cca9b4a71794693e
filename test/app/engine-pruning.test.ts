/**
 * The App's background pruning of spent jti records (ReplayCache.pruneInBackground) in the
 * real engine: it runs after the login's response, inside the App's Deno process, and removes
 * what can no longer pass the time checks (expiresAt = exp + skew, in the past), a bounded
 * number per pass, the backlog at the next login. Its own engine: the first login of an App
 * process is the one that prunes.
 */
import { association, hashKey } from '../../app/lib/store/records';
import { SettingId } from '../../app/settings';
import { startEngine, type EngineHost } from '../../devstack/engine';
import { startRocketChat, type RocketChatStandIn, type StoredUser } from '../../devstack/rocketchat';
import { AUDIENCE, claimsFor, ISSUER, nowSeconds, SECRET, signWithJose } from './fixtures';

let rc: RocketChatStandIn;
let engine: EngineHost;

beforeAll(async () => {
  const users: StoredUser[] = [];
  rc = await startRocketChat({ createToken: { mode: '7.x', enabled: true }, usersCollection: users });
  engine = await startEngine({
    serverSettings: { Site_Url: rc.url },
    usersCollection: users,
    settings: {
      [SettingId.AssertionSecret]: SECRET,
      [SettingId.AssertionIssuer]: ISSUER,
      [SettingId.AssertionAudience]: AUDIENCE,
      [SettingId.RcAdminUserId]: rc.admin.userId,
      [SettingId.RcAdminToken]: rc.admin.token,
    },
  });
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await rc?.close();
});

const EVERY_JTI = { model: 'misc', id: association('jti', 'all').getID() };

/** A spent-jti record exactly as ReplayCache.claim writes it. */
function seedJti(jti: string, expiresAt: number): string {
  const key = hashKey(ISSUER, jti);
  engine.persistence.insert({ key, expiresAt, nonce: 'seeded' }, [{ model: 'misc', id: association('jti', key).getID() }, EVERY_JTI]);
  return key;
}

const jtiRecords = () => engine.persistence.records().filter((record) => record.associations?.some((held) => held.id === EVERY_JTI.id)) as Array<{ data: { key: string; expiresAt: number } }>;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const login = async (username: string) =>
  engine.execute('login', { method: 'POST', content: { assertion: await signWithJose(claimsFor(username), { alg: 'HS256' }) } });

test('records past exp + skew are removed after the response, live ones kept; a backlog over one pass goes at the next login', async () => {
  const now = nowSeconds();
  const expired = Array.from({ length: 600 }, (_, i) => seedJti(`old-${i}`, now - 120 - i));
  const live = seedJti('live', now + 600);
  expect(jtiRecords()).toHaveLength(601);

  // The App process's first login prunes (at most 500 records a pass), in the background.
  expect((await login('prune-amy')).status).toBe(200);
  await until(() => jtiRecords().length === 601 + 1 - 500, 'the first pass');
  const afterFirst = jtiRecords().map((record) => record.data.key);
  expect(afterFirst).toContain(live);
  expect(afterFirst.filter((key) => expired.includes(key))).toHaveLength(100);

  // The pass hit its bound: the next login starts another at once instead of a minute later.
  await new Promise((resolve) => setTimeout(resolve, 200)); // the pass's last removal is answered before it ends in the App
  expect((await login('prune-amy')).status).toBe(200);
  await until(() => jtiRecords().every((record) => record.data.expiresAt >= now), 'the backlog');
  const left = jtiRecords();
  expect(left.map((record) => record.data.key)).toContain(live);
  expect(left).toHaveLength(3); // the live record and the two logins' own
});
