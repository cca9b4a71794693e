import { createServer } from 'node:net';
import type { ServerHeartbeatSucceededEvent } from 'mongodb';
import { bounded, connectMongo, databaseName, MongoDeadlineError, redactMongoUrl, withDeadline } from '../../../service/mongo';
import { startWireServer, WireServer } from '../../../devstack/mongo/wire-server';
import { WIRE_LEVEL } from '../../support/mongo/harness';
import { notReadyReason } from '../../../service/readiness';
import { withMongoBudget } from '../../../service/request-budget';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('connectMongo: URL handling', () => {
  test.each([
    ['mongodb://localhost:27017/rocketchat', 'rocketchat'],
    ['mongodb://u:p@a:1,b:2/rc?replicaSet=rs0', 'rc'],
    ['mongodb+srv://u:p@cluster.example.net/rocketchat?retryWrites=true', 'rocketchat'],
    ['mongodb://localhost:27017', undefined],
    ['mongodb://localhost:27017/', undefined],
    ['mongodb://localhost:27017/?authSource=admin', undefined],
  ])('database of %s is %s', (url, name) => {
    expect(databaseName(url)).toBe(name);
  });

  test('credentials are redacted', () => {
    expect(redactMongoUrl('mongodb://rc:s3cr%2Fet@db:27017/rc')).toBe('mongodb://***@db:27017/rc');
    expect(redactMongoUrl('mongodb+srv://rc:pw@cluster/rc')).toBe('mongodb+srv://***@cluster/rc');
    expect(redactMongoUrl('mongodb://db/rc')).toBe('mongodb://db/rc');
  });

  test('a URL without a database refuses to connect (the driver would use "test")', async () => {
    await expect(connectMongo('mongodb://rc:s3cret@127.0.0.1:1')).rejects.toThrow(/MONGODB_URL names no database/);
    await expect(connectMongo('mongodb://rc:s3cret@127.0.0.1:1')).rejects.not.toThrow(/s3cret/);
  });

  test('an unreachable server fails fast with a clear message and no password', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await connectMongo(`mongodb://rc:s3cret@127.0.0.1:${port}/rocketchat`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^MONGODB_URL: cannot use MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1/);
    expect((error as Error).message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(8000);
  }, 15000);
});

describe(`connectMongo — ${WIRE_LEVEL}`, () => {
  let server: WireServer;
  beforeEach(async () => {
    server = await startWireServer();
  });
  afterEach(() => server.close());

  test('uses the database named by the path and pings it', async () => {
    const { client, db } = await connectMongo(server.url('rocketchat'));
    expect(db.databaseName).toBe('rocketchat');
    await client.close();
  });

  // The stand-in must be monitored as a real MongoDB 4.4+ is: a stand-in without `topologyVersion`
  // put the driver in its polling mode, where dropped connections left its monitor stuck for good.
  test('the driver monitors the stand-in with the streaming protocol; a restart is a new process', async () => {
    const { client, db } = await connectMongo(server.url('rocketchat'));
    const heartbeats: ServerHeartbeatSucceededEvent[] = [];
    client.on('serverHeartbeatSucceeded', (event) => heartbeats.push(event));
    try {
      const first = (await db.admin().command({ hello: 1 })).topologyVersion;
      expect(first).toEqual({ processId: expect.anything(), counter: expect.anything() });
      // An awaitable hello with the current topologyVersion waits maxAwaitTimeMS; a foreign one does not.
      let started = Date.now();
      await db.admin().command({ hello: 1, topologyVersion: first, maxAwaitTimeMS: 300 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      started = Date.now();
      await server.stop();
      await server.start();
      // The first command finds its pooled connection gone (commands are not retried): the driver notices.
      await db.admin().command({ ping: 1 }).catch(() => undefined);
      const { topologyVersion: second } = await db.admin().command({ hello: 1 });
      expect(second.processId.equals(first.processId)).toBe(false);
      await db.admin().command({ hello: 1, topologyVersion: first, maxAwaitTimeMS: 5000 });
      expect(Date.now() - started).toBeLessThan(4000);
      // The monitor's streamed heartbeats arrive as awaited ones (no polling fallback).
      const deadline = Date.now() + 10_000;
      while (!heartbeats.some((event) => event.awaited) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heartbeats.some((event) => event.awaited)).toBe(true);
    } finally {
      await client.close();
    }
  }, 20000);
});

describe('the bound on each MongoDB step', () => {
  test('withDeadline: the result if in time, else a MongoDeadlineError once the bound has passed', async () => {
    await expect(withDeadline(async () => 'done', 1000)).resolves.toBe('done');
    await expect(withDeadline(() => Promise.reject(new Error('own')), 1000)).rejects.toThrow('own');
    const started = Date.now();
    const never = new Promise<never>(() => undefined);
    await expect(withDeadline(() => never, 100)).rejects.toBeInstanceOf(MongoDeadlineError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  test('bounded: promise-returning methods are bounded, other members pass through', async () => {
    const store = { mode: 'x', sync: () => 1, fast: async (n: number) => n + 1, slow: () => new Promise<never>(() => undefined) };
    const wrapped = bounded(store, 100);
    expect(wrapped.mode).toBe('x');
    expect(wrapped.sync()).toBe(1);
    await expect(wrapped.fast(1)).resolves.toBe(2);
    await expect(wrapped.slow()).rejects.toBeInstanceOf(MongoDeadlineError);
  });

  test('a bounded ready() that times out says why in /readyz\'s words, not as an error name', async () => {
    const wrapped = bounded({ ready: () => new Promise<never>(() => undefined) }, 100);
    const reason = await wrapped.ready().then(() => 'ready', notReadyReason);
    expect(reason).toBe('MongoDB did not answer within 100 ms');
  });

  test('one request\'s steps share its budget: a second slow step gets only what the first left', async () => {
    const slow = (ms: number) => () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), ms));
    const started = Date.now();
    await expect(
      withMongoBudget(async () => {
        await withDeadline(slow(300), 1000);
        return withDeadline(slow(1000), 1000);
      }, Date.now() + 500),
    ).rejects.toBeInstanceOf(MongoDeadlineError);
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThanOrEqual(480);
    expect(ms).toBeLessThan(800);
    // Outside a request, each step has its own bound.
    await expect(withDeadline(slow(300), 1000)).resolves.toBe('late');
  });

  test('a budget that ends (its storage switched off when none runs) leaves the one still running its deadline', async () => {
    const slow = (ms: number) => () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), ms));
    const started = Date.now();
    const long = withMongoBudget(async () => {
      await withDeadline(slow(300), 1000);
      return withDeadline(slow(1000), 1000);
    }, Date.now() + 500);
    // A short budget starts and ends while the long one runs.
    await withMongoBudget(() => withDeadline(slow(50), 1000), Date.now() + 500);
    await expect(long).rejects.toBeInstanceOf(MongoDeadlineError);
    expect(Date.now() - started).toBeLessThan(800);
  });
});
