/**
 * A flood from one client address, run in a worker thread (test/support/replicas.ts `flood`), so
 * the attacker's own sockets do not share an event loop with the clients whose latency the test
 * measures. Open loop at a fixed rate: each tick sends what is due, unless `inFlight` requests
 * are already open, in which case the request is dropped (counted): the flood stays bounded
 * whatever the answers' speed, about the server's shedding, not about saturating the machine.
 * Plain CommonJS: a worker loads it with Node itself, not through Jest's transform.
 *
 * workerData: { url, localAddress, rate, inFlight, durationMs, requests: [{ method, path, headers, body? }] }
 * (taken in turn). Posts { ready } once loaded, starts on any message, and posts
 * { sent, dropped, statuses: { '<METHOD> <path> <status>': n }, ms } at the end.
 */
const { Agent, request } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');

const { url, localAddress, rate, inFlight: maxInFlight, durationMs, requests } = workerData;
const agent = new Agent({ keepAlive: true, localAddress });
const statuses = {};
let sent = 0;
let dropped = 0;
let open = 0;
let started = 0;

function count(key) {
  statuses[key] = (statuses[key] || 0) + 1;
}

function send(spec) {
  open += 1;
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const headers = { ...spec.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  const req = request(new URL(spec.path, url), { method: spec.method, agent, headers }, (res) => {
    res.resume();
    res.on('end', () => {
      open -= 1;
      count(`${spec.method} ${spec.path} ${res.statusCode}`);
    });
  });
  req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  req.on('error', () => {
    open -= 1;
    count(`${spec.method} ${spec.path} error`);
  });
  req.end(body);
}

let ticker;
function tick() {
  const elapsed = Math.min(Date.now() - started, durationMs);
  const due = Math.floor((elapsed * rate) / 1000) - sent - dropped;
  for (let i = 0; i < due; i += 1) {
    if (open >= maxInFlight) dropped += 1;
    else send(requests[(sent += 1) % requests.length]);
  }
  if (elapsed >= durationMs) {
    clearInterval(ticker);
    // The last answers, then the figures (bounded: a request gives up after 10 s).
    const done = setInterval(() => {
      if (open > 0) return;
      clearInterval(done);
      agent.destroy();
      parentPort.postMessage({ sent, dropped, statuses, ms: Date.now() - started });
    }, 10);
  }
}

// Loaded and ready first, then told to go: its own start-up is not part of the flood.
parentPort.postMessage({ ready: true });
parentPort.once('message', () => {
  started = Date.now();
  ticker = setInterval(tick, 5);
});
