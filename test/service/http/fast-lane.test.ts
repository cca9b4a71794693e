/**
 * The fast lane (service/http/fast-lane.ts) against Fastify: the same requests, over real
 * sockets, to a companion with the lane and to one without it. Every answer must be the same
 * (status, headers, body), so must /metrics and the access lines, and the lane must have
 * answered the held logins and nothing else.
 */
import type { AddressInfo } from 'node:net';
import { SESSION_COOKIE } from '../../../service/plugins/session';
import { createSessionCodec, type Session } from '../../../service/sessions/cookie-codec';
import { createMemoryRevocationList } from '../../../service/sessions/memory-revocation';
import type { RevocationList } from '../../../service/sessions/types';
import { RC_ORIGIN, SESSION_SECRET, startHarness, type Harness } from '../support/harness';

const codec = createSessionCodec(SESSION_SECRET);
const now = Math.floor(Date.now() / 1000);
const alice = { sub: 'sub-alice', username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' };
const bob = { sub: 'sub-bob', username: 'bob', email: 'bob@example.com', email_verified: true, name: 'Bob' };

async function cookie(session: Partial<Session> & Pick<Session, 'sid'>): Promise<string> {
  return `${SESSION_COOKIE}=${await codec.encode({ user: alice, iat: now, exp: now + 3600, ...session })}`;
}

interface Side {
  h: Harness;
  base: string;
}
let lane: Side;
let plain: Side;
const sessions: Record<string, string> = {};

const revocations = createMemoryRevocationList();

async function side(fastLane?: false, list: RevocationList = revocations): Promise<Side> {
  const h = await startHarness({ fastLane, deps: { revocations: list } });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  return { h, base: `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  [lane, plain] = await Promise.all([side(), side(false)]);
  Object.assign(sessions, {
    held: await cookie({ sid: 'sid-held', credential: { loginToken: 'held-login-token' } }),
    heldToken: await cookie({ sid: 'sid-held-token', credential: { token: 'held-oauth-token' } }),
    // Bob is disabled in the store: his session ends and the cookie goes.
    disabled: await cookie({ sid: 'sid-bob', user: bob, credential: { loginToken: 'bobs-token' } }),
    expired: await cookie({ sid: 'sid-expired', credential: { loginToken: 'old-token' }, iat: now - 7200, exp: now - 3600 }),
    revoked: await cookie({ sid: 'sid-revoked', credential: { loginToken: 'revoked-token' } }),
    forged: `${SESSION_COOKIE}=not-a-sealed-session`,
  });
  await revocations.revoke('sid-revoked', now + 3600, { sub: alice.sub, iat: now });
});
afterAll(() => Promise.all([lane?.h.close(), plain?.h.close()]));

interface Sent {
  method?: string;
  path?: string;
  session?: string;
  origin?: string;
  headers?: Record<string, string>;
  body?: string;
}

async function send(to: Side, sent: Sent) {
  const headers: Record<string, string> = { ...sent.headers };
  if (sent.session) headers.cookie = sessions[sent.session];
  if (sent.origin) headers.origin = sent.origin;
  const response = await fetch(`${to.base}${sent.path ?? '/api/session'}`, { method: sent.method ?? 'POST', headers, body: sent.body });
  const received: Record<string, string> = {};
  response.headers.forEach((value, name) => (received[name] = value));
  const { date: _date, ...rest } = received;
  return { status: response.status, headers: rest, body: await response.text() };
}

/** The answer both give, and whether the lane gave it. */
async function both(sent: Sent) {
  const before = lane.h.app.fastLane!.answered;
  const [fromLane, fromFastify] = [await send(lane, sent), await send(plain, sent)];
  expect(fromLane).toEqual(fromFastify);
  return { ...fromLane, byLane: lane.h.app.fastLane!.answered - before };
}

test('a held login is answered by the lane, with exactly what Fastify sends', async () => {
  // The first call reads the user's standing and decodes the cookie: Fastify's.
  expect(await both({ session: 'held', origin: RC_ORIGIN })).toMatchObject({ status: 200, byLane: 0 });
  const answer = await both({ session: 'held', origin: RC_ORIGIN });
  expect(answer).toMatchObject({ status: 200, byLane: 1, body: JSON.stringify({ loginToken: 'held-login-token' }) });
  expect(answer.headers).toMatchObject({
    'access-control-allow-origin': RC_ORIGIN,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; frame-ancestors ${RC_ORIGIN}`,
    'content-type': 'application/json; charset=utf-8',
  });
  expect(answer.headers['strict-transport-security']).toBeDefined();
  expect(answer.headers['cross-origin-resource-policy']).toBeDefined();

  for (const sent of [
    { method: 'GET', session: 'held', origin: RC_ORIGIN },
    // Any other origin gets the answer without the grant, so its browser cannot read it.
    { session: 'held', origin: 'https://evil.example.net' },
    { session: 'held' },
    // Some 7.x clients announce JSON and send nothing.
    { session: 'held', origin: RC_ORIGIN, headers: { 'content-type': 'application/json' }, body: '' },
  ]) {
    const { status, headers, byLane } = await both(sent);
    expect({ status, byLane }).toEqual({ status: 200, byLane: 1 });
    expect(headers['access-control-allow-origin']).toBe(sent.origin === RC_ORIGIN ? RC_ORIGIN : undefined);
  }

  await both({ session: 'heldToken' });
  expect(await both({ session: 'heldToken', origin: RC_ORIGIN })).toMatchObject({ status: 200, byLane: 1, body: JSON.stringify({ token: 'held-oauth-token' }) });
});

test('everything else is left to Fastify and answered the same', async () => {
  await both({ session: 'held' });
  const cases: Array<[Sent, number]> = [
    [{ origin: RC_ORIGIN }, 401],
    [{ session: 'forged', origin: RC_ORIGIN }, 401],
    [{ session: 'expired', origin: RC_ORIGIN }, 401],
    [{ session: 'revoked', origin: RC_ORIGIN }, 401],
    [{ session: 'disabled', origin: RC_ORIGIN }, 401],
    // A request with a body is the route's (which ignores the body).
    [{ session: 'held', origin: RC_ORIGIN, headers: { 'content-type': 'application/json' }, body: '{}' }, 200],
    [{ session: 'held', origin: RC_ORIGIN, headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000) }, 200],
    // Fastify judges a content type (a malformed one is 415); only none and plain JSON are the lane's.
    [{ session: 'held', origin: RC_ORIGIN, headers: { 'content-type': 'foo' } }, 415],
    [{ session: 'held', origin: RC_ORIGIN, headers: { 'content-type': '' } }, 415],
    [{ session: 'held', origin: RC_ORIGIN, headers: { 'content-type': 'application/json; charset=utf-8' } }, 200],
    [{ path: '/api/session?client=web', session: 'held', origin: RC_ORIGIN }, 200],
    [{ method: 'HEAD', session: 'held', origin: RC_ORIGIN }, 200],
    [{ method: 'OPTIONS', origin: RC_ORIGIN, headers: { 'access-control-request-method': 'POST' } }, 204],
    [{ method: 'PUT', session: 'held', origin: RC_ORIGIN }, 404],
    [{ path: '/api/session/', session: 'held', origin: RC_ORIGIN }, 404],
  ];
  const answers = [];
  for (const [sent, status] of cases) {
    const answer = await both(sent);
    expect({ sent, status: answer.status, byLane: answer.byLane }).toEqual({ sent, status, byLane: 0 });
    answers.push(answer);
  }
  // A disabled user's session ends on both sides: the cookie is cleared.
  expect(answers[4].headers['set-cookie']).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
});

test('a session whose login must be fetched is left to Fastify', async () => {
  sessions.tokenless = await cookie({ sid: 'sid-tokenless' });
  for (let i = 0; i < 2; i++) {
    const before = lane.h.app.fastLane!.answered;
    // Each side's App stand-in mints its own token: the answers match but for it.
    const [fromLane, fromFastify] = [await send(lane, { session: 'tokenless', origin: RC_ORIGIN }), await send(plain, { session: 'tokenless', origin: RC_ORIGIN })];
    expect(lane.h.app.fastLane!.answered).toBe(before);
    expect([fromLane.status, Object.keys(fromLane.headers).sort()]).toEqual([fromFastify.status, Object.keys(fromFastify.headers).sort()]);
    expect(fromLane.headers['set-cookie']).toContain(SESSION_COOKIE);
  }
});

test('its answers count in /metrics and the access log as Fastify counts its own', async () => {
  const series = async (to: Side) =>
    (await (await fetch(`${to.base}/metrics`)).text())
      .split('\n')
      .filter((line) => (line.startsWith('http_request_duration_seconds_count') && line.includes('route="/api/session"')) || line.startsWith('credentials_total'));
  const fromLane = await series(lane);
  expect(fromLane.some((line) => line.includes('source="held"') && line.includes('outcome="ok"'))).toBe(true);
  expect(fromLane).toEqual(await series(plain));

  type Line = { msg: string; url?: string; reqId?: string; method?: string; statusCode?: number };
  const accessLines = (h: Harness) => h.logs.lines.map((line) => JSON.parse(line) as Line).filter((line) => line.msg === 'request completed');
  const apiCalls = (h: Harness) => accessLines(h).filter((line) => line.url === '/api/session').map(({ method, statusCode }) => `${method} ${statusCode}`);
  expect(apiCalls(lane.h)).toEqual(apiCalls(plain.h));
  // One id sequence for both ways in: no two answers share an id.
  const ids = accessLines(lane.h).map((line) => line.reqId);
  expect(ids.every((id) => /^req-[0-9a-z]+$/.test(id ?? ''))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

test('a revocation list that cannot answer (a stale mirror) fails closed on both, never through the lane', async () => {
  const notSynced = new Error('the mirror of the shared list is stale');
  const stale: RevocationList = {
    ...createMemoryRevocationList(),
    isRevokedNow: () => {
      throw notSynced;
    },
    isRevoked: () => Promise.reject(notSynced),
  };
  const [laneSide, plainSide] = await Promise.all([side(undefined, stale), side(false, stale)]);
  try {
    for (let i = 0; i < 3; i++) {
      const [fromLane, fromFastify] = [await send(laneSide, { session: 'held', origin: RC_ORIGIN }), await send(plainSide, { session: 'held', origin: RC_ORIGIN })];
      expect(fromLane).toEqual(fromFastify);
      expect(fromLane.status).toBe(503);
    }
    expect(laneSide.h.app.fastLane!.answered).toBe(0);
  } finally {
    await Promise.all([laneSide.h.close(), plainSide.h.close()]);
  }
});

test('the lane server keeps the timeouts Fastify gives its own', () => {
  const [a, b] = [lane.h.app.server, plain.h.app.server];
  expect([a.keepAliveTimeout, a.requestTimeout, a.timeout, a.maxRequestsPerSocket]).toEqual([b.keepAliveTimeout, b.requestTimeout, b.timeout, b.maxRequestsPerSocket]);
});
