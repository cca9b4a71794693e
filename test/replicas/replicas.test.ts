/**
 * Several companion replicas behind a load balancer, as operators run them: three
 * `service/server.ts` processes sharing MongoDB (the wire stand-in) behind a round-robin proxy
 * that passes the browser's address in X-Forwarded-For (test/support/replicas.ts). Browsers sit
 * behind office NATs: each picks its source address in 127.0.0.0/8.
 *
 * What must hold whichever replica a request lands on: the lockout counts in total, a two-factor
 * step started on one replica completes on another, a logout ends the session on all of them,
 * an office of 300 users behind one address gets its tokens, a flood from one address does not
 * slow the others, and a frozen MongoDB gives fast answers (never a token it should refuse).
 *
 * The suites run one after the other (one file, one trio at a time): six companions at once
 * would compete for the two cores the latency bound is measured on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { totpCode } from '../../devstack/rocketchat';
import { SESSION_COOKIE } from '../../service/plugins/session';
import { createSessionCodec } from '../../service/sessions/cookie-codec';
import { USERS_COLLECTION } from '../../service/users/mongo-store';
import { hashPassword } from '../../service/users/password';
import { csrfFrom, PASSWORD, PUBLIC_ORIGIN, SESSION_SECRET } from '../service/support/harness';
import { OLD, loginTokenFrom, pendingFrom, rcAccepts, TOTP_SECRET } from '../service/support/password';
import { browser, showingLogs, startReplicas, type Answer, type Browser, type Replicas } from '../support/replicas';

const SUITE = 'three replicas behind a round-robin proxy, MongoDB wire stand-in';
const REPLICAS = ['replica-1', 'replica-2', 'replica-3'];
/** The generic refusal of the login form: a locked account must look like a wrong password. */
const GENERIC_ERROR = 'Sign-in failed. Check your username and password and try again.';

/** Polls `probe` until it returns a value, at most `withinMs`; the error says what was awaited. */
async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>, everyMs = 50): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

/** `work` over `items`, at most `limit` at a time, results in order. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** What a page of the code step is, so a failure says which page came instead of the done page. */
function pageKind(html: string): string {
  if (loginTokenFrom(html)) return 'done (a login token)';
  if (html.includes('Your sign-in expired')) return 'sign-in expired (the pending login is unknown here)';
  if (html.includes('name="pendingId"')) return 'the code form again';
  return 'another page';
}

/** Which replica served each answer, for messages and assertions. */
const servedBy = (answers: Answer[]) => answers.map((a) => a.replica);

/** Whether the API URL answered with exactly this login, as a yes or no: a failure message shows no token. */
const handsOut = (answer: Answer, token: string | undefined) => token !== undefined && answer.body === JSON.stringify({ loginToken: token });

describe(`${SUITE}: password mode, a two-factor step across replicas`, () => {
  let cluster: Replicas | undefined;
  beforeAll(async () => {
    // Rocket.Chat is the directory: the user's own Rocket.Chat password, then its second factor.
    cluster = await startReplicas({ env: { TOKEN_MODE: 'password', IDENTITY_SOURCE: 'rocketchat' } });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 20_000);

  test(
    'an emailed code: the login starts on one replica, the code form lands on another, and the user is signed in',
    showingLogs(
      () => cluster,
      async () => {
        const { rocketChat } = cluster!;
        const user = rocketChat.createUser({ username: 'alice', email: 'alice@example.com', name: 'Alice', password: PASSWORD, verified: true, createdAt: OLD, twoFactor: { email: true } });
        const b = browser(cluster!.client('127.0.0.2'));
        const { page, answer: codePage } = await b.login('alice', PASSWORD);
        expect(codePage.status).toBe(200);
        expect(codePage.body).toContain('Code from the email');
        expect(rocketChat.mail).toHaveLength(1);

        // The proxy sends each request to the next replica: the code goes to another one than the
        // replica that started the login and asked Rocket.Chat for the code.
        const done = await b.post('/login-code', { pendingId: pendingFrom(codePage.body), code: rocketChat.mail[0].code, _csrf: csrfFrom(codePage.body) });
        console.log(`two-factor (email): GET /login on ${page.replica}, POST /login on ${codePage.replica}, POST /login-code on ${done.replica} → ${done.status}`);
        expect(done.replica).not.toBe(codePage.replica);
        expect(REPLICAS).toContain(done.replica);
        expect({ status: done.status, page: pageKind(done.body) }).toEqual({ status: 200, page: 'done (a login token)' });
        const token = loginTokenFrom(done.body);
        expect(token).toBeDefined();
        expect(await rcAccepts(rocketChat, user._id, token!)).toBe(true);

        // Signed in everywhere: the API URL hands the same login out through every replica.
        const api = [await b.api(), await b.api(), await b.api()];
        expect(new Set(servedBy(api))).toEqual(new Set(REPLICAS));
        for (const answer of api) expect({ replica: answer.replica, status: answer.status, sameLogin: handsOut(answer, token) }).toEqual({ replica: answer.replica, status: 200, sameLogin: true });
      },
    ),
    30_000,
  );

  test(
    'TOTP: the code typed on another replica than the one that asked for it signs the user in',
    showingLogs(
      () => cluster,
      async () => {
        const { rocketChat } = cluster!;
        const user = rocketChat.createUser({ username: 'tom', email: 'tom@example.com', name: 'Tom', password: PASSWORD, verified: true, createdAt: OLD, twoFactor: { totpSecret: TOTP_SECRET } });
        const b = browser(cluster!.client('127.0.0.3'));
        const { answer: codePage } = await b.login('tom', PASSWORD);
        expect(codePage.status).toBe(200);
        expect(codePage.body).toContain('authenticator app');
        const done = await b.post('/login-code', { pendingId: pendingFrom(codePage.body), code: totpCode(TOTP_SECRET), _csrf: csrfFrom(codePage.body) });
        console.log(`two-factor (TOTP): POST /login on ${codePage.replica}, POST /login-code on ${done.replica} → ${done.status}`);
        expect(done.replica).not.toBe(codePage.replica);
        expect({ status: done.status, page: pageKind(done.body) }).toEqual({ status: 200, page: 'done (a login token)' });
        expect(await rcAccepts(rocketChat, user._id, loginTokenFrom(done.body) ?? '')).toBe(true);
      },
    ),
    30_000,
  );
});

describe(`${SUITE}: app mode, local users in MongoDB`, () => {
  /** Low, so that a spread of failures over three replicas is short: one wrong password on each. */
  const LOCKOUT_THRESHOLD = 3;
  const codec = createSessionCodec(SESSION_SECRET);
  let cluster: Replicas | undefined;
  let nextOfficeUser = 0;

  /** A local user in the shared store, as `npm run users add` would write it. */
  const userDoc = (name: string, passwordHash: string) => ({
    sub: `sub-${name}`,
    username: name,
    email: `${name}@example.com`,
    email_verified: true,
    name,
    passwordHash,
    disabled: false,
    createdAt: new Date().toISOString(),
  });

  beforeAll(async () => {
    cluster = await startReplicas({ env: { TOKEN_MODE: 'app', IDENTITY_SOURCE: 'local', LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD) } });
    const hash = await hashPassword(PASSWORD);
    cluster.db.docs(USERS_COLLECTION).push(userDoc('alice', hash), userDoc('locky', hash), userDoc('frida', hash));
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 20_000);

  /**
   * `count` office users in the store, each with a browser holding a companion session as the
   * login form writes one (sealed with the shared SESSION_SECRET: hundreds of users cost no
   * password hashing) but no Rocket.Chat login yet; the first API URL call mints one, which the
   * session then holds. The first mints are spread over `addresses` (minting is limited per
   * address), at most 20 at a time; the returned browsers hold their login.
   */
  async function officeUsers(count: number, addresses: string[]): Promise<Array<{ b: Browser; token: string; name: string }>> {
    const now = Math.floor(Date.now() / 1000);
    const numbers = Array.from({ length: count }, () => (nextOfficeUser += 1));
    // Never logs in with a password: any well-formed hash will do.
    cluster!.db.docs(USERS_COLLECTION).push(...numbers.map((n) => userDoc(`office${n}`, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')));
    return inParallel(numbers, 20, async (n, i) => {
      const name = `office${n}`;
      const user = { sub: `sub-${name}`, username: name, email: `${name}@example.com`, email_verified: true, name };
      const b = browser(cluster!.client(addresses[i % addresses.length]));
      b.jar.take(`${SESSION_COOKIE}=${await codec.encode({ sid: `sid-${name}-${now}`, user, iat: now, exp: now + 3600 })}`);
      const minted = await b.api();
      if (minted.status !== 200) throw new Error(`first mint for ${name} from ${b.client.address} via ${minted.replica}: ${minted.status}`);
      return { b, token: (JSON.parse(minted.body) as { loginToken: string }).loginToken, name };
    });
  }

  test(
    'the lockout threshold holds in total: wrong passwords spread over the replicas lock the account on every replica',
    showingLogs(
      () => cluster,
      async () => {
        const b = browser(cluster!.client('127.0.0.10'));
        const page = await b.get('/login');
        const csrf = csrfFrom(page.body);
        const attempt = (password: string) => b.post('/login', { username: 'locky', password, _csrf: csrf });

        // LOCKOUT_THRESHOLD wrong passwords, one after another: round-robin puts one on each replica.
        const wrong: Answer[] = [];
        for (let i = 0; i < LOCKOUT_THRESHOLD; i += 1) wrong.push(await attempt(`wrong password ${i}`));
        expect(new Set(servedBy(wrong))).toEqual(new Set(REPLICAS));
        for (const answer of wrong) {
          expect(answer.status).toBe(401);
          expect(answer.body).toContain(GENERIC_ERROR);
        }

        // The right password, once through each replica: the account is locked on all of them.
        const right: Answer[] = [];
        for (let i = 0; i < REPLICAS.length; i += 1) right.push(await attempt(PASSWORD));
        console.log(
          `lockout (threshold ${LOCKOUT_THRESHOLD}): wrong passwords on ${servedBy(wrong).join(', ')} in ${wrong.map((a) => round1(a.ms)).join(', ')} ms; ` +
            `then the right one → ${right.map((a) => `${a.replica} ${a.status} in ${round1(a.ms)} ms`).join(', ')}`,
        );
        expect(new Set(servedBy(right))).toEqual(new Set(REPLICAS));
        for (const answer of right) {
          const seen = { replica: answer.replica, status: answer.status, genericError: answer.body.includes(GENERIC_ERROR), handsOverALogin: loginTokenFrom(answer.body) !== undefined };
          expect(seen).toEqual({ replica: answer.replica, status: 401, genericError: true, handsOverALogin: false });
          expect(String(answer.headers['set-cookie'] ?? '')).not.toContain(`${SESSION_COOKIE}=`);
        }
        // About the same time as a wrong password (one password hash each): a much quicker refusal
        // would tell an attacker which accounts are locked. Generous bounds: a shared CI machine is noisy.
        const typical = median(wrong.map((a) => a.ms));
        for (const answer of right) {
          expect(answer.ms).toBeGreaterThan(typical * 0.4);
          expect(answer.ms).toBeLessThan(typical * 4 + 200);
        }
        // Not a lock of everybody: another account still signs in through the same address.
        expect((await browser(cluster!.client('127.0.0.10')).login('frida', PASSWORD)).answer.status).toBe(200);
      },
    ),
    30_000,
  );

  test(
    'a logout through one replica ends the session on all of them within 2 s, and it stays ended',
    showingLogs(
      () => cluster,
      async () => {
        const b = browser(cluster!.client('127.0.0.11'));
        const { answer: done } = await b.login('alice', PASSWORD);
        expect(done.status).toBe(200);
        const token = loginTokenFrom(done.body);
        const cookie = b.jar.header();
        // What another tab (or a copied cookie) would keep sending after the logout.
        const api = () => cluster!.client('127.0.0.11').request('POST', '/api/session', { headers: { origin: cluster!.rcOrigin, cookie } });
        const before = [await api(), await api(), await api()];
        expect(new Set(servedBy(before))).toEqual(new Set(REPLICAS));
        for (const answer of before) expect({ replica: answer.replica, status: answer.status, sameLogin: handsOut(answer, token) }).toEqual({ replica: answer.replica, status: 200, sameLogin: true });

        const out = await b.client.request('POST', '/logout', { headers: { cookie, origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(done.body) } });
        expect({ status: out.status, body: out.body }).toEqual({ status: 200, body: JSON.stringify({ loggedOut: true }) });
        const loggedOut = Date.now();

        // Rounds of three calls (one per replica) until a whole round is refused; each replica's
        // first refusal is noted. Replicas may mirror the revocation list and sync it: 2 s at most.
        const firstRefused = new Map<string, number>();
        const rounds: string[] = [];
        await until('every replica answering 401 for the ended session', 2_000, async () => {
          const round = [await api(), await api(), await api()];
          rounds.push(round.map((a) => `${a.replica}:${a.status}`).join(' '));
          for (const answer of round) {
            expect([200, 401]).toContain(answer.status);
            if (answer.status === 401 && !firstRefused.has(answer.replica)) firstRefused.set(answer.replica, Date.now() - loggedOut);
          }
          return round.every((a) => a.status === 401) && new Set(servedBy(round)).size === REPLICAS.length ? true : undefined;
        });
        console.log(`logout on ${out.replica}: first 401 per replica after ${[...firstRefused].map(([r, ms]) => `${r} ${ms} ms`).join(', ')}`);
        // And it stays ended: a second of calls, every one refused on every replica.
        const later: Answer[] = [];
        while (Date.now() - loggedOut < 3_000) later.push(await api());
        expect(new Set(servedBy(later))).toEqual(new Set(REPLICAS));
        expect(later.filter((a) => a.status !== 401).map((a) => `${a.replica}:${a.status}`)).toEqual([]);
        expect(later.every((a) => a.body === '')).toBe(true);
      },
    ),
    30_000,
  );

  test(
    '300 users behind one address all get their own token through the replicas, default limits',
    showingLogs(
      () => cluster,
      async () => {
        // The first mints from five addresses, 60 each: under the per-address mint limit (120 a minute,
        // counted on all replicas together), which an office's first morning could otherwise meet.
        const started = Date.now();
        const users = await officeUsers(300, ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25']);
        const seeded = Date.now() - started;
        const mintsBefore = cluster!.app.logins.length;
        expect(new Set(users.map((u) => u.token)).size).toBe(300);

        // Then the whole office from ONE address, 50 calls in flight at a time (page loads of a
        // busy morning, not one synchronised burst), round-robin over the replicas.
        const office = cluster!.client('127.0.0.2');
        const calledAt = Date.now();
        const answers = await inParallel(users, 50, async (u) => {
          const answer = await office.request('POST', '/api/session', { headers: { origin: cluster!.rcOrigin, cookie: u.b.jar.header() } });
          return { ...answer, expected: u.token, name: u.name };
        });
        const took = Date.now() - calledAt;
        const byReplica = REPLICAS.map((r) => `${r} ${answers.filter((a) => a.replica === r).length}`).join(', ');
        const statuses = [...new Set(answers.map((a) => a.status))];
        console.log(`300 users: first mints in ${seeded} ms (5 addresses); all from one address in ${took} ms; statuses ${statuses.join(', ')}; ${byReplica}; slowest ${round1(Math.max(...answers.map((a) => a.ms)))} ms`);
        const wrong = answers.filter((a) => a.status !== 200 || a.body !== JSON.stringify({ loginToken: a.expected }));
        expect(wrong.map((a) => `${a.name} via ${a.replica}: ${a.status}`)).toEqual([]);
        for (const replica of REPLICAS) expect(answers.filter((a) => a.replica === replica).length).toBeGreaterThanOrEqual(90);
        // Every answer came from the session's held login: the App was not asked again.
        expect(cluster!.app.logins.length).toBe(mintsBefore);
      },
    ),
    45_000,
  );

  test(
    'a flood from one address leaves other clients’ p99 under 50 ms',
    showingLogs(
      () => cluster,
      async () => {
        // Bounded, so that it is about shedding and not about saturating two shared cores: a
        // fixed rate for a fixed time, with at most FLOOD_IN_FLIGHT requests open (beyond that
        // the attacker's own requests are dropped, and counted).
        const FLOOD_MS = 3_000;
        const FLOOD_RATE = 200;
        const FLOOD_IN_FLIGHT = 16;
        // Other offices: three addresses, one user each, every user with a held login.
        const others = await officeUsers(3, ['127.0.0.31', '127.0.0.32', '127.0.0.33']);
        // Warm connections and caches first (each user on each replica): the measure is of the flood, not of a cold start.
        for (const u of others) for (let i = 0; i < 6; i += 1) expect((await u.b.api()).status).toBe(200);

        // The flood, from one address: a login form replayed without its cookie (no password is
        // checked: refused as a forgery, then by the per-address limit) and API URL calls without
        // a session. Guesses with a valid form would each cost a password hash until that limit
        // (20 a minute from one address, on all replicas together): capacity the limit allows, not shedding.
        const attacker = browser(cluster!.client('127.0.0.66'));
        const form = new URLSearchParams({ username: 'alice', password: 'not the password', _csrf: csrfFrom((await attacker.get('/login')).body) }).toString();
        const stats = (of: Answer[]) => {
          const sorted = of.map((s) => s.ms).sort((a, b) => a - b);
          return { n: sorted.length, p50: round1(percentile(sorted, 50)), p99: round1(percentile(sorted, 99)), max: round1(sorted[sorted.length - 1]) };
        };

        /** One flood, the other users' calls meanwhile, and what both saw. */
        async function underFlood(attempt: number) {
          const flood = await cluster!.flood({
            address: attacker.client.address,
            rate: FLOOD_RATE,
            inFlight: FLOOD_IN_FLIGHT,
            durationMs: FLOOD_MS,
            requests: [
              { method: 'POST', path: '/login', headers: { origin: PUBLIC_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body: form },
              { method: 'POST', path: '/api/session', headers: { origin: cluster!.rcOrigin } },
            ],
          });
          const started = Date.now();
          // Each other user calls the API URL one call after another, a short pause between.
          const samples: Array<Answer & { at: number }> = [];
          await Promise.all(
            others.map(async (u) => {
              while (Date.now() - started < FLOOD_MS) {
                const at = Date.now() - started;
                samples.push({ at, ...(await u.b.api()) });
                await sleep(10);
              }
            }),
          );
          const { sent, dropped, statuses, ms } = await flood.result;
          const all = stats(samples);
          const first = stats(samples.filter((s) => s.at < 1000));
          const rest = stats(samples.filter((s) => s.at >= 1000));
          console.log(
            `flood ${attempt} from one address (${FLOOD_RATE} req/s offered, ${FLOOD_IN_FLIGHT} in flight at most, ${(ms / 1000).toFixed(1)} s): ` +
              `${Math.round(sent / (ms / 1000))} req/s sent, ${dropped} dropped by the attacker; ${Object.entries(statuses).map(([k, n]) => `${k}: ${n}`).join(', ')}\n` +
              `other clients (3 users, 3 addresses): ${all.n} calls, p50 ${all.p50} ms, p99 ${all.p99} ms, max ${all.max} ms ` +
              `(first second: p99 ${first.p99} ms of ${first.n}; after: p99 ${rest.p99} ms of ${rest.n})`,
          );
          // Every other user's call answered, and the flood was shed: forgeries refused (403)
          // until the per-address limit, then 429, none checked; the API URL without a session 401.
          expect(samples.filter((s) => s.status !== 200).map((s) => `${s.replica}:${s.status}`)).toEqual([]);
          expect(all.n).toBeGreaterThan(100);
          expect(statuses['POST /login 429']).toBeGreaterThan(statuses['POST /login 403'] ?? 0);
          expect(statuses['POST /api/session 401']).toBeGreaterThan(0);
          expect(Object.keys(statuses).filter((key) => !/^POST \/(login (403|429)|api\/session 401)$/.test(key))).toEqual([]);
          return { p99: all.p99, forgeriesLookedAt: statuses['POST /login 403'] ?? 0 };
        }

        // The bound is judged on a second flood only when the first misses it: a neighbour's burst
        // on a shared two-core machine can cost one run its p99, a shedding regression costs both.
        const attempts = [await underFlood(1)];
        if (attempts[0].p99 >= 50) attempts.push(await underFlood(2));
        // The login limit counts on all replicas together, in windows of a clock minute: one
        // window's 20 forgeries looked at, or two windows' when a minute begins during the floods.
        expect(attempts.reduce((sum, a) => sum + a.forgeriesLookedAt, 0)).toBeLessThanOrEqual(2 * 20);
        expect(Math.min(...attempts.map((a) => a.p99))).toBeLessThan(50);
      },
    ),
    40_000,
  );

  // Last: it stalls the database every replica shares.
  test(
    'MongoDB frozen: every replica answers within 2 s, never a token for an ended session, and recovers after resume',
    showingLogs(
      () => cluster,
      async () => {
        const BOUND_MS = 2_000;
        // A live session, and an ended one (logged out before the freeze).
        const live = browser(cluster!.client('127.0.0.41'));
        const liveLogin = await live.login('alice', PASSWORD);
        expect(liveLogin.answer.status).toBe(200);
        const liveToken = loginTokenFrom(liveLogin.answer.body);
        const ended = browser(cluster!.client('127.0.0.42'));
        const endedLogin = await ended.login('alice', PASSWORD);
        expect(endedLogin.answer.status).toBe(200);
        const endedCookie = ended.jar.header();
        const out = await ended.client.request('POST', '/logout', { headers: { cookie: endedCookie, origin: PUBLIC_ORIGIN, accept: 'application/json', 'x-csrf-token': csrfFrom(endedLogin.answer.body) } });
        expect(out.status).toBe(200);
        const liveCookie = live.jar.header();
        const api = (b: Browser, cookie: string, replica?: string) => b.client.request('POST', '/api/session', { replica, headers: { origin: cluster!.rcOrigin, cookie } });
        // The ended session is refused everywhere before the freeze (bounded, as replicas may sync).
        await until('the ended session refused by every replica', 2_000, async () => {
          const round = [await api(ended, endedCookie), await api(ended, endedCookie), await api(ended, endedCookie)];
          return round.every((a) => a.status === 401) ? true : undefined;
        });

        /**
         * Each probe on each replica, all side by side (pinned: concurrent requests reach the
         * proxy in no fixed order), each timed: one round costs one bound, not twelve.
         */
        const probeAll = () =>
          Promise.all(
            REPLICAS.flatMap((replica) => [
              api(live, liveCookie, replica).then((a) => ({ probe: 'API URL, live session', ...a })),
              api(ended, endedCookie, replica).then((a) => ({ probe: 'API URL, ended session', ...a })),
              cluster!
                .client('127.0.0.43')
                .request('GET', '/login', { replica, headers: { 'sec-fetch-dest': 'iframe' } })
                .then((a) => ({ probe: 'GET /login, no session', ...a })),
              live.client.request('GET', '/login', { replica, headers: { cookie: liveCookie, 'sec-fetch-dest': 'iframe' } }).then((a) => ({ probe: 'GET /login, live session', ...a })),
            ]),
          );

        cluster!.wire.pause();
        const paused = Date.now();
        const frozen: Array<Answer & { probe: string }> = [];
        try {
          // Right after the freeze and again a little later (connections held, nothing answered).
          frozen.push(...(await probeAll()));
          await sleep(500);
          frozen.push(...(await probeAll()));
        } finally {
          cluster!.wire.resume();
        }
        const resumed = Date.now();
        const summary = [...new Set(frozen.map((a) => a.probe))].map((probe) => {
          const mine = frozen.filter((a) => a.probe === probe);
          return `${probe}: ${[...new Set(mine.map((a) => a.status))].join('/')} (slowest ${round1(Math.max(...mine.map((a) => a.ms)))} ms)`;
        });
        console.log(`MongoDB frozen for ${resumed - paused} ms:\n  ${summary.join('\n  ')}`);

        expect(new Set(servedBy(frozen))).toEqual(new Set(REPLICAS));
        for (const answer of frozen) {
          const seen = { probe: answer.probe, replica: answer.replica, status: answer.status };
          expect({ ...seen, withinBound: answer.ms < BOUND_MS }).toEqual({ ...seen, withinBound: true });
          if (answer.probe === 'API URL, live session') {
            expect([200, 503]).toContain(answer.status);
            if (answer.status === 200) expect({ ...seen, sameLogin: handsOut(answer, liveToken) }).toEqual({ ...seen, sameLogin: true });
          }
          if (answer.probe === 'API URL, ended session') expect([401, 503]).toContain(answer.status);
          if (answer.probe.startsWith('GET /login')) {
            expect([200, 503]).toContain(answer.status);
            if (answer.status === 503) expect(answer.body).toMatch(/unavailable|try again/i);
          }
          // Nothing hands out a login it could not check, and no page names the database.
          if (answer.probe !== 'GET /login, live session' && answer.probe !== 'API URL, live session') expect(answer.body).not.toContain('loginToken');
          expect(answer.body).not.toMatch(/Mongo|ECONN|127\.0\.0\.1:\d+\/rocketchat/);
        }

        // Back: a whole round of 200s for the live session, and the ended one still refused.
        const back = await until(
          'every replica answering 200 for the live session after resume',
          10_000,
          async () => {
            const round = [await api(live, liveCookie), await api(live, liveCookie), await api(live, liveCookie)];
            return round.every((a) => a.status === 200) ? true : undefined;
          },
          100,
        );
        console.log(`recovered ${back.ms} ms after resume`);
        const endedAfter = [await api(ended, endedCookie), await api(ended, endedCookie), await api(ended, endedCookie)];
        expect(endedAfter.map((a) => a.status)).toEqual([401, 401, 401]);
      },
    ),
    45_000,
  );
});
