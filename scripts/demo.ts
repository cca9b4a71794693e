/**
 * `npm run demo`: the product on localhost with embedded defaults — the Rocket.Chat stand-in,
 * the packaged App in the real Apps-Engine runtime, the companion — and a demo user.
 * Ports: DEMO_ROCKETCHAT_PORT (3000) and DEMO_COMPANION_PORT (3001); 0 picks free ones.
 *
 * It says what it is doing while it starts (the first start unpacks the engine's runtime and
 * takes a while), logs one short line per request, stops on the first Ctrl+C within 2 s, and
 * leaves no file behind: the users' file (with a password hash) lives in a temporary folder
 * that goes when the demo does, however it ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SettingId } from '../app/settings';
import type { StepRunner } from '../devstack/engine';
import { startStack, type Stack } from '../devstack/stack';
import { createDemoLogStream } from './demo-log';

/** Past this, stopping gives up waiting for the stack: Deno's processes end with ours anyway. */
const STOP_BUDGET_MS = 1500;

const out = process.stdout;
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`${name} must be a port number (0 for a free one), not "${value}".`);
  return parsed;
}

let stack: Stack | undefined;
let stopping = false;
/** Made before anything starts, so that a stop at any moment knows what to remove. */
let dataDir: string | undefined;

/** Each slow step on one line: its label when it begins, its time when it ends. */
const step: StepRunner = async (label, work) => {
  out.write(`  ${label}… `);
  const began = performance.now();
  try {
    const result = await work();
    if (!stopping) out.write(`${seconds(began)}\n`);
    return result;
  } catch (error) {
    if (!stopping) out.write('failed\n');
    throw error;
  }
};

function removeData(): void {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Ctrl+C reaches this process twice (from the terminal, and relayed by tsx), and npm's and
 * tsx's own handlers run too: the first signal stops, later ones are the same request.
 */
function stop(): void {
  if (stopping) return;
  stopping = true;
  out.write('\n  stopping… ');
  const began = performance.now();
  const finish = (): void => {
    removeData();
    out.write(`stopped (${seconds(began)})\n`);
    process.exit(0);
  };
  setTimeout(finish, STOP_BUDGET_MS);
  // During the start there is no stack to close yet: exiting ends the sockets and the engine's Deno.
  if (!stack) return finish();
  // The listening sockets are closed; the engine is not unloaded: a terminal's Ctrl+C has already
  // ended its Deno processes (they share our process group), and unloading would wait on them
  // until the engine's own timeout. Deno processes still running end when ours does.
  Promise.all([stack.companion.close(), stack.rocketChat.close()]).then(finish, finish);
}

async function main(): Promise<void> {
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Whatever else ends the process, the users' file does not outlive it.
  process.on('exit', removeData);

  const began = performance.now();
  out.write('Starting the iframe auth bridge demo\n');
  dataDir = mkdtempSync(join(tmpdir(), 'iframe-bridge-demo-'));
  // Single logout both ways, as a deployment would have it: the App and the companion share a
  // back-channel secret and the App knows the companion's URL.
  const backchannelSecret = randomBytes(32).toString('base64url');
  stack = await startStack({
    rocketChatPort: port('DEMO_ROCKETCHAT_PORT', 3000),
    companionPort: port('DEMO_COMPANION_PORT', 3001),
    logStream: createDemoLogStream(out),
    logLevel: process.env.LOG_LEVEL ?? 'info',
    appSettings: { [SettingId.BackchannelSecret]: backchannelSecret },
    companionEnv: { BACKCHANNEL_SECRET: backchannelSecret },
    step,
    dataDir,
  });
  if (stopping) return;
  await stack.engine.updateSetting(SettingId.CompanionUrl, stack.companionUrl);
  const { user } = stack;
  out.write(`  ready in ${seconds(began)}

  Open the Rocket.Chat stand-in:  ${stack.rocketChat.url}/
  Sign in inside its iframe as:   ${user.username} / ${user.password}
  Logging out of Rocket.Chat ends the companion session too (the App's back channel).

  Companion (API URL + Iframe URL): ${stack.companionUrl}/api/session  ${stack.companionUrl}/login
  App endpoints (real Apps-Engine): ${stack.rocketChat.url}/api/apps/public/${stack.engine.appId}/status

  Press Ctrl+C to stop.

`);
}

main().catch((error: unknown) => {
  if (stopping) return;
  const message = error instanceof Error ? error.message : String(error);
  console.error('The demo could not start:', message);
  if (message.includes('EADDRINUSE')) console.error('A port is taken: set DEMO_ROCKETCHAT_PORT and DEMO_COMPANION_PORT to free ones, e.g. DEMO_ROCKETCHAT_PORT=4000 DEMO_COMPANION_PORT=4001 npm run demo');
  process.exit(1);
});
