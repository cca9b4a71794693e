/**
 * `npm run doctor`: checks a deployment from the outside, as a browser and Rocket.Chat see it,
 * reading the same environment as the companion. One line per check; exit 1 on any failure,
 * 2 when the configuration itself is invalid. Prints no secret: only URLs, headers and verdicts.
 */
import { ConfigError, loadConfig } from '../config';
import { loadEnvFile } from '../env-file';
import { failed, formatResults, runDoctor } from '../doctor/run';

async function main(): Promise<number> {
  let config;
  try {
    loadEnvFile();
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`FAIL  configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const results = await runDoctor(config);
  process.stdout.write(`${formatResults(results)}\n`);
  return failed(results) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`doctor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
