/**
 * `npm run demo`: the product on localhost with embedded defaults — the Rocket.Chat stand-in,
 * the packaged App in the real Apps-Engine runtime, the companion — and a demo user.
 * Ports: DEMO_ROCKETCHAT_PORT (3000) and DEMO_COMPANION_PORT (3001).
 */
import closeWithGrace from 'close-with-grace';
import { startStack } from './stack';

async function main(): Promise<void> {
  const stack = await startStack({
    rocketChatPort: Number(process.env.DEMO_ROCKETCHAT_PORT ?? 3000),
    companionPort: Number(process.env.DEMO_COMPANION_PORT ?? 3001),
    logStream: process.stdout,
    logLevel: process.env.LOG_LEVEL ?? 'info',
  });
  const { user } = stack;
  console.log(`
  Iframe auth bridge demo is running.

    Open the Rocket.Chat stand-in:  ${stack.rocketChat.url}/
    Sign in inside its iframe as:   ${user.username} / ${user.password}

    Companion (API URL + Iframe URL): ${stack.companionUrl}/api/session  ${stack.companionUrl}/login
    App endpoints (real Apps-Engine): ${stack.rocketChat.url}/api/apps/public/${stack.engine.appId}/status

  Press Ctrl+C to stop.
`);
  closeWithGrace({ delay: 5000 }, async () => {
    await stack.close();
  });
}

main().catch((error: unknown) => {
  console.error('The demo could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
