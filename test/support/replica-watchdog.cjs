/**
 * Preloaded into each companion replica of test/support/replicas.ts (`node --require`): the
 * replica is spawned with an IPC channel to the test process, and ends when that channel does.
 * So a test process that dies without its afterAll (killed by a CI timeout, SIGKILL, a crash)
 * leaves no replica running. Plain CommonJS, loaded by Node before the server.
 */
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.exit(1));
}
