/**
 * A tiny MongoDB wire-protocol server for tests: it speaks OP_QUERY (the driver's first
 * `hello`) and OP_MSG (everything after), records every command the official driver sends,
 * and answers through a handler the test supplies.
 *
 * Why not `mongodb-mock-server`: it only parses the legacy opcodes, and driver 7 sends every
 * command after the handshake as OP_MSG. No MongoDB server can be installed on these machines,
 * so this is how the exact filter and update documents are checked everywhere; the same logic
 * runs against a real server under `npm run test:mongo` (test/mongo-live/).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { deserialize, Long, serialize, type Document } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;

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
  close(): Promise<void>;
}

function helloReply(connectionId: number): Document {
  return {
    helloOk: true,
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

function builtInReply(name: string, connectionId: number): Document {
  if (name === 'hello' || name === 'ismaster' || name === 'isMaster') return helloReply(connectionId);
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

function opMsgReply(responseTo: number, reply: Document): Buffer {
  const doc = Buffer.from(serialize(reply));
  const prefix = Buffer.alloc(5); // flag bits (0), then section kind 0
  return concat([header(HEADER_BYTES + prefix.length + doc.length, responseTo, OP_MSG), prefix, doc]);
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

  async function answer(socket: Socket, connectionId: number, message: Buffer): Promise<void> {
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
    const custom = HOUSEKEEPING.has(name) ? undefined : await handler(command);
    const reply = custom ?? builtInReply(name, connectionId);
    // moreToCome (bit 1) means the driver expects no answer (unacknowledged writes).
    if (!legacy && message.readUInt32LE(HEADER_BYTES) & 2) return;
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: (db) => `mongodb://127.0.0.1:${port}/${db}`,
    commands,
    handle(next) {
      handler = next;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
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
