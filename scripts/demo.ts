/**
 * `npm run demo`: the product on localhost with embedded defaults — the Rocket.Chat stand-in,
 * the packaged App in the real Apps-Engine runtime, the companion — and a demo user.
 * Ports: DEMO_ROCKETCHAT_PORT (3000) and DEMO_COMPANION_PORT (3001).
 */
import { randomBytes } from 'node:crypto';
import closeWithGrace from 'close-with-grace';
import { SettingId } from '../app/settings';
import { startStack } from '../devstack/stack';

async function main(): Promise<void> {
  // Single logout both ways, as a deployment would have it: the App and the companion share a
  // back-channel secret and the App knows the companion's URL.
  const backchannelSecret = randomBytes(32).toString('base64url');
  const stack = await startStack({
    rocketChatPort: Number(process.env.DEMO_ROCKETCHAT_PORT ?? 3000),
    companionPort: Number(process.env.DEMO_COMPANION_PORT ?? 3001),
    logStream: process.stdout,
    logLevel: process.env.LOG_LEVEL ?? 'info',
    appSettings: { [SettingId.BackchannelSecret]: backchannelSecret },
    companionEnv: { BACKCHANNEL_SECRET: backchannelSecret },
  });
  await stack.engine.updateSetting(SettingId.CompanionUrl, stack.companionUrl);
  const { user } = stack;
  console.log(`
  Iframe auth bridge demo is running.

    Open the Rocket.Chat stand-in:  ${stack.rocketChat.url}/
    Sign in inside its iframe as:   ${user.username} / ${user.password}
    Logging out of Rocket.Chat ends the companion session too (the App's back channel).

    Companion (API URL + Iframe URL): ${stack.companionUrl}/api/session  ${stack.companionUrl}/login
    App endpoints (real Apps-Engine): ${stack.rocketChat.url}/api/apps/public/${stack.engine.appId}/status

  Press Ctrl+C to stop.
`);
  closeWithGrace({ delay: 5000 }, async () => {
    await stack.close();
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error('The demo could not start:', message);
  if (message.includes('EADDRINUSE')) console.error('A port is taken: set DEMO_ROCKETCHAT_PORT and DEMO_COMPANION_PORT to free ones, e.g. DEMO_ROCKETCHAT_PORT=4000 DEMO_COMPANION_PORT=4001 npm run demo');
  process.exit(1);
});
