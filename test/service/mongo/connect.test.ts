import { createServer } from 'node:net';
import { connectMongo, databaseName, redactMongoUrl } from '../../../service/mongo';
import { startWireServer, WireServer } from '../../support/mongo/wire-server';
import { WIRE_LEVEL } from '../../support/mongo/harness';

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
});
