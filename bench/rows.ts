/** The rows of issue 6's table: what each sends, and how it is measured. */
import { createPrivateKey } from 'node:crypto';
import { Agent } from 'node:http';
import { createAssertionSigner } from '../service/tokens/assertion';
import { cannon, loop, RowFailed, type Measurement } from './measure';
import { send } from './http';
import type { Setup } from './setup';

export interface RowOptions {
  seconds: number;
  connections: number;
  /** Concurrency of the bounded loops (row 4, and the 1-connection probes use 1). */
  loopConcurrency: number;
  /** Upper bound of a loop's requests, whatever the duration. */
  maxLoopRequests: number;
}

export interface Row {
  id: string;
  title: string;
  how: string;
  /** The row this one's ratio is taken against. */
  baseline?: string;
  /** Pause after the row, for the requests the load generator abandoned at its deadline. */
  settleMs?: number;
  run(setup: Setup, options: RowOptions): Promise<Measurement>;
}

function apiCall(setup: Setup, url: string, cookie: string) {
  return { url, method: 'POST', headers: { cookie, origin: setup.target.ready.rocketChatUrl } };
}

/** One keep-alive connection, requests one after another: the latency a single browser sees. */
async function serial(id: string, options: RowOptions, call: { url: string; method: string; headers: Record<string, string> }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await loop(id, {
      concurrency: 1,
      seconds: Math.max(1, options.seconds / 2),
      maxRequests: options.maxLoopRequests * 10,
      prepare: () => undefined,
      request: async () => (await send(call.url, { ...call, agent })).status,
    });
  } finally {
    agent.destroy();
  }
}

/** Row 3 must fetch on every request: the stand-in's login count proves it did. */
async function everyCallFetched(id: string, setup: Setup, measure: () => Promise<Measurement>): Promise<Measurement> {
  const before = await setup.standIn.call<number>('logins');
  const measured = await measure();
  const fetched = (await setup.standIn.call<number>('logins')) - before;
  if (fetched < measured.requests) throw new RowFailed(id, `only ${fetched} App fetches for ${measured.requests} answers: the held-token path was measured`);
  return measured;
}

/** The status a row counts: the endpoint's, or for the probe the status of the call it made. */
type Outcome = (reply: { status: number; body: string }) => number;
const endpointStatus: Outcome = (reply) => reply.status;
const probedStatus: Outcome = (reply) => (reply.status === 200 ? (JSON.parse(reply.body) as { result: { statusCode: number } }).result.statusCode : reply.status);

function engineLoop(id: string, setup: Setup, options: RowOptions, path: string, body: () => Promise<string>, concurrency = options.loopConcurrency, outcome = endpointStatus) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = `${setup.target.ready.rocketChatUrl}/api/apps/public/${path}`;
  return loop(id, {
    concurrency,
    // Half a row: bounded loops at low concurrency converge fast, and the bench stays near 2 minutes.
    seconds: Math.max(1, options.seconds / 2),
    maxRequests: options.maxLoopRequests,
    prepare: body,
    request: async (payload) => outcome(await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, agent })),
  }).finally(() => agent.destroy());
}

/** Assertions exactly as the companion signs them (its own signer), each with a fresh jti. */
function assertionFactory(setup: Setup) {
  const { assertion, user } = setup.target.ready;
  const signer = createAssertionSigner({
    key: { alg: 'EdDSA', key: createPrivateKey(assertion.privateKey) },
    issuer: assertion.issuer,
    audience: assertion.audience,
    lifetimeSeconds: 30,
  });
  // The stack's site users are `site-<username>`; the first login (setup) created the Rocket.Chat user.
  const siteUser = { sub: `site-${user.username}`, username: user.username, email: user.email, email_verified: true, name: user.name };
  return async () => JSON.stringify({ assertion: await signer.sign(siteUser) });
}

export const ROWS: Row[] = [
  {
    id: '1',
    title: 'bare Fastify route, same JSON',
    how: 'autocannon',
    settleMs: 200,
    run: (s, o) => cannon('1', { url: s.target.ready.bareUrl, method: 'POST', connections: o.connections, seconds: o.seconds }),
  },
  {
    id: '2',
    title: 'POST /api/session, token held',
    how: 'autocannon',
    baseline: '1',
    settleMs: 200,
    run: (s, o) => cannon('2', { ...apiCall(s, `${s.target.ready.companionUrl}/api/session`, s.heldSession), connections: o.connections, seconds: o.seconds }),
  },
  {
    id: '3',
    title: 'POST /api/session, token fetched (App stand-in)',
    how: 'autocannon',
    baseline: '1',
    settleMs: 200,
    run: (s, o) => everyCallFetched('3', s, () => cannon('3', { ...apiCall(s, `${s.target.ready.twinUrl}/api/session`, s.fetchSession), connections: o.connections, seconds: o.seconds })),
  },
  {
    id: '2s',
    title: 'row 2, one connection, serial',
    how: 'loop ×1',
    baseline: '1',
    run: (s, o) => serial('2s', o, apiCall(s, `${s.target.ready.companionUrl}/api/session`, s.heldSession)),
  },
  {
    id: '3s',
    title: 'row 3, one connection, serial',
    how: 'loop ×1',
    baseline: '1',
    run: (s, o) => everyCallFetched('3s', s, () => serial('3s', o, apiCall(s, `${s.target.ready.twinUrl}/api/session`, s.fetchSession))),
  },
  {
    id: '4e',
    title: "test App's empty endpoint, real engine",
    how: 'loop',
    run: (s, o) => engineLoop('4e', s, o, `${s.target.ready.testAppId}/empty`, async () => '{}'),
  },
  {
    id: '4',
    title: "App login, existing user, real engine",
    how: 'loop',
    baseline: '4e',
    run: (s, o) => engineLoop('4', s, o, `${s.target.ready.appId}/login`, assertionFactory(s)),
  },
  {
    id: '4es',
    title: 'row 4e, one request at a time',
    how: 'loop ×1',
    run: (s, o) => engineLoop('4es', s, o, `${s.target.ready.testAppId}/empty`, async () => '{}', 1),
  },
  {
    id: '4s',
    title: 'row 4, one request at a time',
    how: 'loop ×1',
    baseline: '4es',
    run: (s, o) => engineLoop('4s', s, o, `${s.target.ready.appId}/login`, assertionFactory(s), 1),
  },
  {
    // The floor of row 4s: one users.createToken through the engine's HTTP bridge, as our login
    // sends it, is the one call no App that mints a login token can do without (ROCKETCHAT.md §5).
    id: '4ms',
    title: 'test App mints one token, nothing else',
    how: 'loop ×1',
    baseline: '4es',
    run: async (s, o) => {
      const probe = await s.target.call<string>('mintProbe');
      return engineLoop('4ms', s, o, `${s.target.ready.testAppId}/probe`, async () => probe, 1, probedStatus);
    },
  },
  {
    // What one more call into Rocket.Chat costs an App: a storage read of nothing.
    id: '4rs',
    title: 'test App reads its storage once',
    how: 'loop ×1',
    baseline: '4es',
    run: (s, o) => engineLoop('4rs', s, o, `${s.target.ready.testAppId}/probe`, async () => JSON.stringify({ op: 'read', key: 'bench-nothing' }), 1),
  },
  {
    id: '5a',
    title: 'GET /login page render',
    how: 'autocannon',
    baseline: '1',
    settleMs: 200,
    run: (s, o) => cannon('5a', { url: `${s.target.ready.companionUrl}/login`, connections: o.connections, seconds: o.seconds }),
  },
  {
    id: '5b',
    title: 'POST /login, full (scrypt + App in engine)',
    how: 'autocannon',
    baseline: '1',
    settleMs: 1500,
    // 50 logins at once queue behind scrypt on libuv's 4 threads: one takes seconds, and a
    // shorter window would see none complete.
    run: (s, o) => cannon('5b', { url: `${s.target.ready.companionUrl}/login`, method: 'POST', ...s.loginForm, connections: o.connections, seconds: Math.max(o.seconds, 5) }),
  },
];
