/**
 * A tiny request/reply channel over a forked child's IPC pipe. The bench keeps the measured
 * servers in a child process so that the load generator never shares their event loop, and the
 * child's memory is theirs alone.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Call {
  id: number;
  command: string;
  argument?: unknown;
}
interface Answer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}
interface Ready {
  ready: unknown;
}

export interface Child<TReady> {
  ready: TReady;
  call<T>(command: string, argument?: unknown): Promise<T>;
  /** Asks the child to close its servers and exit (so --cpu-prof can write its profile). */
  stop(): Promise<void>;
}

/** Starts `script` under tsx with Node flags; resolves when it reports `{ready}`. */
export function startChild<TReady>(script: string, options: { nodeFlags?: string[]; args?: string[]; env?: Record<string, string>; startTimeoutMs?: number } = {}): Promise<Child<TReady>> {
  const child: ChildProcess = fork(script, options.args ?? [], {
    execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Explicit: under Jest, assignments to process.env do not reach child processes.
    env: { ...process.env, ...options.env },
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  child.on('exit', (code) => {
    for (const { reject } of pending.values()) reject(new Error(`${script} exited (${code}) with a call pending`));
    pending.clear();
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not become ready in time`));
    }, options.startTimeoutMs ?? 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready`));
    });
    child.on('message', (message: Answer | Ready) => {
      if ('ready' in message) {
        clearTimeout(timer);
        resolve({
          ready: message.ready as TReady,
          call<T>(command: string, argument?: unknown) {
            const id = nextId++;
            return new Promise<T>((resolveCall, rejectCall) => {
              pending.set(id, { resolve: resolveCall as (value: unknown) => void, reject: rejectCall });
              child.send({ id, command, argument } satisfies Call);
            });
          },
          async stop() {
            if (child.exitCode !== null) return;
            const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
            child.send({ id: 0, command: 'exit' } satisfies Call);
            await exited;
            clearTimeout(timeout);
          },
        });
        return;
      }
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(message.error));
    });
  });
}

export type Handlers = Record<string, (argument: unknown) => unknown>;

/** The child's side: announce readiness, answer calls; `exit` runs `close` and leaves. */
export function serveParent(ready: unknown, handlers: Handlers, close: () => Promise<void>): void {
  const send = (message: Answer | Ready) => process.send?.(message);
  process.on('message', (message: Call) => {
    if (message.command === 'exit') {
      void close().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.command];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.command}`);
        return handler(message.argument);
      })
      .then(
        (value) => send({ id: message.id, ok: true, value }),
        (error: unknown) => send({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  // The parent went away (crash, Ctrl-C): do not linger as an orphan holding ports.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  send({ ready });
}
