/**
 * The load balancer of test/support/replicas.ts, run in a worker thread of the test process: its
 * own event loop, so the traffic it forwards (a flood included) does not queue behind the test's
 * clients and the MongoDB wire stand-in on the main thread, as a real load balancer would not.
 * Plain CommonJS: a worker loads it with Node itself, not through Jest's transform.
 *
 * workerData: { replicas: [{ name, port }], replicaHeader, pinHeader }. Posts { port } once it listens.
 * Each request (not each connection) goes to the next replica in turn, or to the one the pin
 * header names; `X-Forwarded-For` is set to the client socket's address (replaced, not appended:
 * the proxy is the edge), and the response names the replica in `replicaHeader`.
 */
const { Agent, createServer, request } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');

const { replicas, replicaHeader, pinHeader } = workerData;
/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): never passed on. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

function withoutHopByHop(headers) {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

// Keep-alive to the replicas, as a load balancer pools its upstream connections.
const upstream = new Agent({ keepAlive: true, maxSockets: 128 });
let next = 0;

const server = createServer((incoming, outgoing) => {
  const pinned = replicas.find((replica) => replica.name === incoming.headers[pinHeader]);
  const replica = pinned || replicas[next % replicas.length];
  if (!pinned) next += 1;
  const headers = withoutHopByHop(incoming.headers);
  delete headers[pinHeader];
  headers['x-forwarded-for'] = incoming.socket.remoteAddress || '';
  const forward = request({ host: '127.0.0.1', port: replica.port, method: incoming.method, path: incoming.url, headers, agent: upstream }, (answer) => {
    outgoing.writeHead(answer.statusCode || 502, { ...withoutHopByHop(answer.headers), [replicaHeader]: replica.name });
    answer.pipe(outgoing);
  });
  forward.on('error', () => {
    if (!outgoing.headersSent) outgoing.writeHead(502, { [replicaHeader]: replica.name });
    outgoing.end();
  });
  incoming.pipe(forward);
});
// Clients keep their connections between requests; the proxy must not close them sooner.
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message !== 'close') return;
  upstream.destroy();
  server.closeAllConnections();
  server.close(() => parentPort.postMessage({ closed: true }));
});
