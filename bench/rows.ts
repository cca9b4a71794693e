/** The rows of the bench's table: what each sends, and how it is measured. */
import { createPrivateKey } from 'node:crypto';
import { Agent } from 'node:http';
import { createAssertionSigner } from '../service/modes/app/assertion';
import { setTimeout as sleep } from 'node:timers/promises';
import { cannon, cannonInTurn, interleaved, loop, RowFailed, type Call, type Measurement } from './measure';
import { send } from './http';
import { SHORT_LIVED_ASSERTIONS } from './setup';
import type { Setup } from './setup';

export interface RowOptions {
  seconds: number;
  connections: number;
  /** Concurrency of the bounded loops (row 4, and the 1-connection probes use 1). */
  loopConcurrency: number;
  /** Upper bound of a loop's requests, whatever the duration. */
  maxLoopRequests: number;
}

export interface RowInfo {
  id: string;
  title: string;
  how: string;
  /** The row this one's ratio is taken against. */
  baseline?: string;
}

export interface Row extends RowInfo {
  /** Pause after the row, for the requests the load generator abandoned at its deadline. */
  settleMs?: number;
  run(setup: Setup, options: RowOptions): Promise<Measurement>;
}

/** Rows measured together, one request at a time, their calls taken in turn (see `interleaved`). */
export interface RowGroup {
  rows: RowInfo[];
  run(setup: Setup, options: RowOptions): Promise<Measurement[]>;
}

function apiCall(setup: Setup, url: string, cookie: string) {
  return { url, method: 'POST', headers: { cookie, origin: setup.target.ready.rocketChatUrl } };
}

/** The status a row counts: the endpoint's, or for the probe the status of the call it made. */
type Outcome = (reply: { status: number; body: string }) => number;
const endpointStatus: Outcome = (reply) => reply.status;
const probedStatus: Outcome = (reply) => (reply.status === 200 ? (JSON.parse(reply.body) as { result: { statusCode: number } }).result.statusCode : reply.status);

/** A request on its own keep-alive connection (a browser's, or a Rocket.Chat server's). */
function onConnection(call: { url: string; method: string; headers: Record<string, string> }, agents: Agent[], outcome: Outcome = endpointStatus): Call['request'] {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return async (body) => outcome(await send(call.url, { ...call, body, agent }));
}

/** Serial rows in turn, each on its own connection; the group gets the time of one row per member. */
async function inTurn(ids: string[], options: RowOptions, maxRequests: number, make: (agents: Agent[]) => Call[] | Promise<Call[]>): Promise<Measurement[]> {
  const agents: Agent[] = [];
  try {
    const calls = await make(agents);
    return await interleaved(ids, calls, { seconds: (Math.max(1, options.seconds / 2)) * ids.length, maxRequests });
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

/**
 * Row 3 (and 3s) must fetch on every request: the stand-in's login count proves it did. `fetching`
 * picks that row's measurement out of what `measure` gives (a group measures several rows).
 */
async function everyCallFetched<T>(id: string, setup: Setup, measure: () => Promise<T>, fetching: (measured: T) => Measurement): Promise<T> {
  const before = await setup.standIn.call<number>('logins');
  const measured = await measure();
  const fetched = (await setup.standIn.call<number>('logins')) - before;
  const { requests } = fetching(measured);
  if (fetched < requests) throw new RowFailed(id, `only ${fetched} App fetches for ${requests} answers: the held-token path was measured`);
  return measured;
}

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
    lifetimeSeconds: Number(SHORT_LIVED_ASSERTIONS.ASSERTION_LIFETIME_SECONDS),
  });
  // The stack's site users are `site-<username>`; the first login (setup) created the Rocket.Chat user.
  const siteUser = { sub: `site-${user.username}`, username: user.username, email: user.email, email_verified: true, name: user.name };
  return async () => JSON.stringify({ assertion: await signer.sign(siteUser) });
}

const enginePost = (url: string) => ({ url, method: 'POST', headers: { 'content-type': 'application/json' } });

export const UNITS: Array<Row | RowGroup> = [
  {
    // In turn, one-second slices alternating between the four: rows 2's and 2m's shares of row 1
    // (the targets) are taken under the same machine load, not seconds apart. Row 1h is row 1
    // sending row 2's headers as well: the floor for any server giving row 2's answer. Row 2m is row 2 on
    // a companion with MONGODB_URL set (its users and revocation list on the MongoDB stand-in,
    // a process of its own): the MongoDB commands received meanwhile are counted, which shows
    // whether the fast path makes a round trip (it should see only the revocation mirror's polls).
    rows: [
      { id: '1', title: 'bare Fastify route, same JSON', how: 'autocannon' },
      { id: '1h', title: 'row 1 sending row 2\'s headers too', how: 'autocannon', baseline: '1' },
      { id: '2', title: 'POST /api/session, token held', how: 'autocannon', baseline: '1' },
      { id: '2m', title: 'row 2 with MONGODB_URL (wire stand-in)', how: 'autocannon', baseline: '1' },
    ],
    run: async (s, o) => {
      const { url, ...held } = apiCall(s, `${s.target.ready.companionUrl}/api/session`, s.heldSession);
      const { url: mongoUrl, ...mongoHeld } = apiCall(s, `${s.target.ready.mongoCompanionUrl}/api/session`, s.mongoHeldSession);
      await s.mongo.call('commands'); // from here on
      const measured = await cannonInTurn(
        [
          // The same request as rows 2 and 2m (a session cookie and Origin, which the bare route
          // ignores): the ceiling is what Fastify pays for that request and that answer.
          { id: '1', options: { url: s.target.ready.bareUrl, ...held } },
          // What the answer's own bytes cost: the same answer, headers included, from the bare route.
          { id: '1h', options: { url: s.target.ready.bareHeadersUrl, ...held } },
          { id: '2', options: { url, ...held } },
          { id: '2m', options: { url: mongoUrl, ...mongoHeld } },
        ],
        { connections: o.connections, sliceSeconds: 1, slices: Math.max(1, Math.round(o.seconds)) },
      );
      await sleep(200); // requests the load generator abandoned at its deadline finish first
      measured[3].mongoCommands = await s.mongo.call<Record<string, number>>('commands');
      return measured;
    },
  },
  {
    id: '3',
    title: 'POST /api/session, token fetched (App stand-in)',
    how: 'autocannon',
    baseline: '1',
    settleMs: 200,
    run: (s, o) =>
      everyCallFetched('3', s, () => cannon('3', { ...apiCall(s, `${s.target.ready.twinUrl}/api/session`, s.fetchSession), connections: o.connections, seconds: o.seconds }), (row) => row),
  },
  {
    // The latency one browser sees, µs resolution (autocannon's is 1 ms); 3s − 2s is what a fetch adds.
    rows: [
      { id: '2s', title: 'row 2, one connection, serial', how: 'in turn', baseline: '1' },
      { id: '3s', title: 'row 3, one connection, serial', how: 'in turn', baseline: '1' },
    ],
    run: (s, o) =>
      everyCallFetched(
        '3s',
        s,
        () =>
          inTurn(['2s', '3s'], o, o.maxLoopRequests * 10, (agents) => [
            { prepare: () => undefined, request: onConnection(apiCall(s, `${s.target.ready.companionUrl}/api/session`, s.heldSession), agents) },
            { prepare: () => undefined, request: onConnection(apiCall(s, `${s.target.ready.twinUrl}/api/session`, s.fetchSession), agents) },
          ]),
        ([, fetched]) => fetched,
      ),
  },
  {
    id: '4e',
    title: "test App's empty endpoint, real engine",
    how: 'loop',
    run: (s, o) => engineLoop('4e', s, o, `${s.target.ready.testAppId}/empty`, async () => '{}'),
  },
  {
    id: '4',
    title: 'App login, existing user, real engine',
    how: 'loop',
    baseline: '4e',
    run: (s, o) => engineLoop('4', s, o, `${s.target.ready.appId}/login`, assertionFactory(s)),
  },
  {
    // One request at a time: what one call costs, without queueing in the engine. Row 4ms is
    // row 4s's floor: the one call no App that mints a login token can do without
    // (docs/rocketchat.md), users.createToken exactly as our login sends it, through the engine's
    // HTTP bridge; 4rs is what any one more call into Rocket.Chat costs an App.
    rows: [
      { id: '4es', title: 'row 4e, one request at a time', how: 'in turn' },
      { id: '4s', title: 'row 4, one request at a time', how: 'in turn', baseline: '4es' },
      { id: '4ms', title: 'test App mints one token, nothing else', how: 'in turn', baseline: '4es' },
      { id: '4rs', title: 'test App reads its storage once', how: 'in turn', baseline: '4es' },
    ],
    run: async (s, o) => {
      const { rocketChatUrl, testAppId, appId } = s.target.ready;
      const endpoint = (path: string) => enginePost(`${rocketChatUrl}/api/apps/public/${path}`);
      const mint = await s.target.call<string>('mintProbe');
      const nothing = JSON.stringify({ op: 'read', key: 'bench-nothing' });
      return inTurn(['4es', '4s', '4ms', '4rs'], o, o.maxLoopRequests, (agents) => [
        { prepare: () => '{}', request: onConnection(endpoint(`${testAppId}/empty`), agents) },
        { prepare: assertionFactory(s), request: onConnection(endpoint(`${appId}/login`), agents) },
        { prepare: () => mint, request: onConnection(endpoint(`${testAppId}/probe`), agents, probedStatus) },
        { prepare: () => nothing, request: onConnection(endpoint(`${testAppId}/probe`), agents) },
      ]);
    },
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

export const isGroup = (unit: Row | RowGroup): unit is RowGroup => 'rows' in unit;

/** Every row of the table, in order. */
export const ROWS: RowInfo[] = UNITS.flatMap((unit) => (isGroup(unit) ? unit.rows : [unit]));
