/**
 * A tiny MongoDB wire-protocol server for tests: it speaks OP_QUERY (the driver's first
 * `hello`) and OP_MSG (everything after), records every command the official driver sends,
 * and answers through a handler the test supplies.
 *
 * It is a standalone `mongod` as the driver's monitor sees one (SDAM): every `hello` carries a
 * `topologyVersion` (a process id that changes when the server restarts, and a counter), and a
 * `hello` that sends back the current `topologyVersion` with `maxAwaitTimeMS` is answered when
 * that time has passed (MongoDB 4.4+'s awaitable hello); with `exhaustAllowed` set, the answer
 * carries `moreToCome` and another follows every `maxAwaitTimeMS` until the connection ends (the
 * streaming protocol). Without these the driver falls back to polling, which no server since
 * 4.4 makes it do, and whose failure modes differ (SECURITY.md, "Bugs these suites found", 3).
 *
 * Why not `mongodb-mock-server`: it only parses the legacy opcodes, and driver 7 sends every
 * command after the handshake as OP_MSG. No MongoDB server can be installed on these machines,
 * so this is how the exact filter and update documents are checked everywhere; the same logic
 * runs against a real server under `npm run test:mongo` (test/mongo-live/).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { deserialize, Long, ObjectId, serialize, type Document } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;
/** OP_MSG flag bits: the sender will send more without waiting / the client accepts a stream. */
const MORE_TO_COME = 1 << 1;
const EXHAUST_ALLOWED = 1 << 16;

/**
 * @types/node 20.8's Buffer predates TypeScript 5.6's iterator types, so the compiler no
 * longer sees a Buffer as a Uint8Array although it is one at run time.
 */
const u8 = (buffer: Buffer): Uint8Array => buffer as unknown as Uint8Array;
const concat = (parts: Buffer[]): Buffer => Buffer.concat(parts.map(u8));

/** A command as the server saw it: the body, with OP_MSG document sequences folded in. */
export interface ReceivedCommand {
  name: string;
  db: string;
  body: Document;
}

/** Answers one command; return `undefined` for the built-in replies (hello, ping, ...). */
export type CommandHandler = (command: ReceivedCommand) => Document | undefined | Promise<Document | undefined>;

/** Commands the driver sends on its own; tests rarely care about them. */
const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'buildInfo', 'buildinfo']);

export interface WireServer {
  /** `mongodb://127.0.0.1:<port>/<db>` */
  url(db: string): string;
  /** Every command but housekeeping, in arrival order. */
  readonly commands: ReceivedCommand[];
  /** Replace the handler for the commands that follow. */
  handle(handler: CommandHandler): void;
  /** Destroy every open connection (the next command sees a network error). */
  dropConnections(): void;
  /**
   * The server goes down: every connection is destroyed and new ones are refused, until
   * `start()`. Commands in flight get no answer.
   */
  stop(): Promise<void>;
  /** Up again on the same port, as a new process (a new `topologyVersion.processId`). */
  start(): Promise<void>;
  /**
   * The server stops answering while connections stay open (a stopped process, or a network
   * that drops packets without resetting): requests, hellos included, wait until `resume()`.
   */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

interface TopologyVersion {
  processId: ObjectId;
  counter: Long;
}

function helloReply(connectionId: number, topologyVersion: TopologyVersion): Document {
  return {
    helloOk: true,
    topologyVersion,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    // Driver 7 refuses servers below wire version 9 (4.4); 21 is MongoDB 7.0.
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

const isHello = (name: string) => name === 'hello' || name === 'ismaster' || name === 'isMaster';

function builtInReply(name: string, connectionId: number, topologyVersion: TopologyVersion): Document {
  if (isHello(name)) return helloReply(connectionId, topologyVersion);
  if (name === 'buildInfo' || name === 'buildinfo') return { version: '7.0.0', versionArray: [7, 0, 0, 0], ok: 1 };
  if (HOUSEKEEPING.has(name)) return { ok: 1 };
  return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
}

function readCString(buffer: Buffer, start: number): [string, number] {
  const end = buffer.indexOf(0, start);
  return [buffer.toString('utf8', start, end), end + 1];
}

/** OP_MSG: flag bits, then sections (kind 0: the body; kind 1: a named document sequence). */
function parseOpMsg(message: Buffer): Document {
  let offset = HEADER_BYTES + 4;
  let body: Document = {};
  const sequences: Record<string, Document[]> = {};
  const flags = message.readUInt32LE(HEADER_BYTES);
  const end = flags & 1 ? message.length - 4 : message.length;
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      body = deserialize(u8(message.subarray(offset, offset + size)));
      offset += size;
    } else {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const [identifier, next] = readCString(message, offset + 4);
      const docs: Document[] = [];
      let at = next;
      while (at < sectionEnd) {
        const docSize = message.readInt32LE(at);
        docs.push(deserialize(u8(message.subarray(at, at + docSize))));
        at += docSize;
      }
      sequences[identifier] = docs;
      offset = sectionEnd;
    }
  }
  return { ...body, ...sequences };
}

/** OP_QUERY: flags, full collection name, skip, limit, then the query (our command). */
function parseOpQuery(message: Buffer): { db: string; body: Document } {
  const [collection, next] = readCString(message, HEADER_BYTES + 4);
  const start = next + 8;
  const size = message.readInt32LE(start);
  return { db: collection.split('.')[0], body: deserialize(u8(message.subarray(start, start + size))) };
}

function header(length: number, responseTo: number, opCode: number): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeInt32LE(length, 0);
  head.writeInt32LE(Math.floor(Math.random() * 0x7fffffff), 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
  return head;
}

function opMsgReply(responseTo: number, reply: Document, flags = 0): Buffer {
  const doc = Buffer.from(serialize(reply));
  const prefix = Buffer.alloc(5); // flag bits, then section kind 0
  prefix.writeUInt32LE(flags, 0);
  return concat([header(HEADER_BYTES + prefix.length + doc.length, responseTo, OP_MSG), prefix, doc]);
}

/**
 * An awaitable hello (MongoDB's rule): the client sends back the topologyVersion it knows and
 * `maxAwaitTimeMS`; if that is still the server's, the answer waits that long (or until the
 * topology changes, which a standalone's does not); a stale or foreign one is answered at once.
 */
function awaitFor(body: Document, current: TopologyVersion): number | undefined {
  const known = body.topologyVersion as { processId?: ObjectId; counter?: unknown } | undefined;
  if (!known || body.maxAwaitTimeMS === undefined) return undefined;
  const sameProcess = known.processId instanceof ObjectId && known.processId.equals(current.processId);
  const counter = Long.isLong(known.counter) ? known.counter : Long.fromNumber(Number(known.counter));
  return sameProcess && counter.equals(current.counter) ? Math.max(0, Number(body.maxAwaitTimeMS)) : 0;
}

function opReply(responseTo: number, reply: Document): Buffer {
  const doc = Buffer.from(serialize(reply));
  const fields = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return concat([header(HEADER_BYTES + fields.length + doc.length, responseTo, OP_REPLY), fields, doc]);
}

export async function startWireServer(initial: CommandHandler = () => undefined): Promise<WireServer> {
  let handler = initial;
  let nextConnectionId = 1;
  const commands: ReceivedCommand[] = [];
  const sockets = new Set<Socket>();
  /** A new one at every (re)start, as a mongod process has. */
  let topologyVersion: TopologyVersion = { processId: new ObjectId(), counter: Long.ZERO };
  /** Set while paused: everything that would answer waits for it. */
  let paused: { promise: Promise<void>; resume: () => void } | undefined;
  const unpaused = () => paused?.promise ?? Promise.resolve();

  /** Resolves after `ms`, or at once when the socket closes (the caller then writes nothing). */
  function wait(socket: Socket, ms: number): Promise<void> {
    if (ms <= 0 || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      socket.once('close', done);
    });
  }

  /**
   * The streaming protocol: after an exhaust hello's first answer the server keeps answering on
   * its own, each time as if the client had asked again with the topologyVersion just sent.
   * Off the connection's queue: a client sends nothing else on a connection it is streaming from.
   */
  async function stream(socket: Socket, connectionId: number, firstReplyTo: number, maxAwaitTimeMS: number): Promise<void> {
    let responseTo = firstReplyTo;
    while (!socket.destroyed) {
      await wait(socket, maxAwaitTimeMS);
      await unpaused();
      if (socket.destroyed) return;
      const reply = opMsgReply(responseTo, helloReply(connectionId, topologyVersion), MORE_TO_COME);
      responseTo = reply.readInt32LE(4);
      socket.write(u8(reply));
    }
  }

  async function answer(socket: Socket, connectionId: number, message: Buffer): Promise<void> {
    await unpaused();
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    const legacy = opCode === OP_QUERY;
    if (!legacy && opCode !== OP_MSG) {
      socket.destroy();
      return;
    }
    const { db, body } = legacy ? parseOpQuery(message) : { db: '', body: parseOpMsg(message) };
    const name = Object.keys(body)[0];
    const command: ReceivedCommand = { name, db: legacy ? db : String(body.$db), body };
    if (!HOUSEKEEPING.has(name)) commands.push(command);
    const flags = legacy ? 0 : message.readUInt32LE(HEADER_BYTES);
    if (!legacy && isHello(name)) {
      const awaitMS = awaitFor(body, topologyVersion);
      if (awaitMS !== undefined) {
        const exhaust = (flags & EXHAUST_ALLOWED) !== 0;
        // Only the first answer holds the connection's queue; the stream runs beside it.
        await wait(socket, awaitMS);
        await unpaused();
        if (socket.destroyed) return;
        const reply = opMsgReply(requestId, helloReply(connectionId, topologyVersion), exhaust ? MORE_TO_COME : 0);
        socket.write(u8(reply));
        if (exhaust) void stream(socket, connectionId, reply.readInt32LE(4), Math.max(0, Number(body.maxAwaitTimeMS)));
        return;
      }
    }
    const custom = HOUSEKEEPING.has(name) ? undefined : await handler(command);
    await unpaused();
    const reply = custom ?? builtInReply(name, connectionId, topologyVersion);
    // moreToCome (bit 1) means the driver expects no answer (unacknowledged writes).
    if (flags & MORE_TO_COME) return;
    if (!socket.destroyed) socket.write(u8(legacy ? opReply(requestId, reply) : opMsgReply(requestId, reply)));
  }

  const server: Server = createServer((socket) => {
    const connectionId = nextConnectionId++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    // Requests on one connection are answered in order, as a real server does.
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const size = pending.readInt32LE(0);
        const message = pending.subarray(0, size);
        pending = pending.subarray(size);
        queue = queue
          .then(() => answer(socket, connectionId, message))
          .catch(() => {
            socket.destroy();
          });
      }
    });
  });

  let port = 0;
  let listening = false;
  async function listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    listening = true;
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : port;
  }
  async function shutDown(): Promise<void> {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }
  function resume(): void {
    const was = paused;
    paused = undefined;
    was?.resume();
  }
  await listen();

  return {
    url: (db) => `mongodb://127.0.0.1:${port}/${db}`,
    commands,
    handle(next) {
      handler = next;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    stop: shutDown,
    pause() {
      if (paused) return;
      let resume = () => undefined as void;
      const promise = new Promise<void>((resolve) => {
        resume = resolve;
      });
      paused = { promise, resume };
    },
    resume,
    async start() {
      if (listening) return;
      topologyVersion = { processId: new ObjectId(), counter: Long.ZERO };
      await listen();
    },
    async close() {
      resume();
      await shutDown();
    },
  };
}

/** A cursor reply as `find` returns it (one batch, cursor exhausted). */
export function cursorReply(ns: string, docs: Document[]): Document {
  return { cursor: { id: Long.ZERO, ns, firstBatch: docs }, ok: 1 };
}

/** The write reply of a duplicate key on `index` (what a unique index answers). */
export function duplicateKeyReply(ns: string, index: string, keyValue: Document): Document {
  return {
    n: 0,
    writeErrors: [
      {
        index: 0,
        code: 11000,
        errmsg: `E11000 duplicate key error collection: ${ns} index: ${index} dup key: ${JSON.stringify(keyValue)}`,
        keyPattern: Object.fromEntries(Object.keys(keyValue).map((key) => [key, 1])),
        keyValue,
      },
    ],
    ok: 1,
  };
}
