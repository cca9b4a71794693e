/**
 * Runs the stand-in on its own, for poking at it by hand:
 *   npx tsx devstack/rocketchat/cli.ts
 * Env: PORT (default 3000), HOST, IFRAME_URL + API_URL (turn iframe login on), API_METHOD,
 * CREATE_TOKENS_FOR_USERS_SECRET (8.x mode; else 7.x with createToken enabled).
 */
import { startRocketChat } from './index';

async function main(): Promise<void> {
  const env = process.env;
  const rc = await startRocketChat({
    port: Number(env.PORT ?? 3000),
    host: env.HOST,
    createToken: env.CREATE_TOKENS_FOR_USERS_SECRET ? { mode: '8.x', secret: env.CREATE_TOKENS_FOR_USERS_SECRET } : { mode: '7.x', enabled: true },
    iframe: env.IFRAME_URL && env.API_URL ? { enabled: true, url: env.IFRAME_URL, apiUrl: env.API_URL, apiMethod: env.API_METHOD === 'GET' ? 'GET' : 'POST' } : undefined,
  });
  process.stdout.write(`Rocket.Chat stand-in on ${rc.url}\nadmin: user id ${rc.admin.userId}, personal access token ${rc.admin.token}, password ${rc.admin.password}\n`);
  const stop = (): void => void rc.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
