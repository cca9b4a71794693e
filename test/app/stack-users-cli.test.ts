/**
 * `npm run users -- disable` through the whole product (startStack: the Rocket.Chat stand-in, the
 * packaged App in the real Apps-Engine, the companion): the CLI reads the companion's own
 * configuration, the App's `logout` revokes the user's Rocket.Chat logins, and the companion's
 * login page neither hands out nor mints a token for her old session.
 */
import { main } from '../../service/cli/users';
import { cookieJar, csrfFrom } from '../service/support/harness';
import { startStack, type Stack } from '../../devstack/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

/** The companion's environment as the CLI would read it (strings, as in `.env`). */
function companionEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(stack.companionConfig.env).map(([name, value]) => [name, String(value)]));
}

const minted = () => stack.rocketChat.requests.filter((r) => r.path === '/api/v1/users.createToken').length;
const me = (userId: string, token: string) => fetch(`${stack.rocketChat.url}/api/v1/me`, { headers: { 'X-User-Id': userId, 'X-Auth-Token': token } });

test('users disable: Rocket.Chat no longer takes her token, and her old session gets nothing new', async () => {
  const jar = cookieJar();
  const page = await stack.companion.inject({ method: 'GET', url: '/login' });
  jar.take(page.headers['set-cookie']);
  const done = await stack.companion.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: jar.header(), origin: stack.companionUrl, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username: stack.user.username, password: stack.user.password, _csrf: csrfFrom(page.body) }).toString(),
  });
  expect(done.statusCode).toBe(200);
  jar.take(done.headers['set-cookie']);
  const loginToken = /data-login-token="([^"]+)"/.exec(done.body)?.[1] ?? '';
  const userId = stack.rocketChat.findUser({ username: stack.user.username })?._id ?? '';
  expect((await me(userId, loginToken)).status).toBe(200);

  const out: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  try {
    expect(await main(['disable', stack.user.username], companionEnv())).toBe(0);
  } finally {
    jest.restoreAllMocks();
  }
  expect(out.join('')).toBe(`disabled ${stack.user.username}; their companion sessions end within 60 s; their Rocket.Chat login tokens were revoked\n`);
  expect((await me(userId, loginToken)).status).toBe(401);
  expect(stack.rocketChat.resumeTokenCount(userId)).toBe(0);

  const before = minted();
  const again = await stack.companion.inject({ method: 'GET', url: '/login', headers: { cookie: jar.header() } });
  expect(again.statusCode).toBe(200);
  expect(again.body).not.toContain('data-login-token');
  expect(minted()).toBe(before);
});
