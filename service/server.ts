/** The only place that listens. Configuration problems stop the start with one clear message. */
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { ConfigError, loadConfig, type Loaded } from './config';
import { loadEnvFile, type EnvFile } from './env-file';
import { startupSummary } from './startup-summary';

function configure(envFile: EnvFile): Loaded {
  try {
    return loadConfig(process.env, { envFileNames: envFile.names });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const where = envFile.found ? `Read ${envFile.path} and the environment.` : `No .env at ${envFile.path}: the settings came from the environment only (cp .env.example .env).`;
    process.stderr.write(`${error.message}\n${where}\nEvery setting: docs/configuration.md, or .env.example.\n`);
    process.exit(78); // EX_CONFIG
  }
}

async function main(): Promise<void> {
  const envFile = loadEnvFile();
  const config = configure(envFile);
  const app = await buildApp({ config, processMetrics: true });
  for (const note of config.notes) app.log.warn(note);
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  await app.listen({ port: config.port, host: config.host });
  app.log.info(startupSummary(config, envFile));
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
