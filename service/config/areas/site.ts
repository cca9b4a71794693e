/** Where things are: Rocket.Chat's origin and ours, the listening address, the proxy in front, logs and metrics. */
import { Type } from '@sinclair/typebox';
import { Choice, Int, Text, TextOr } from '../fields';
import { originProblems, parseTrustProxy, parseUrl, secretProblem } from '../parse';
import type { AreaInput, Checked, Config } from '../types';

export const siteFields = {
  ROCKETCHAT_URL: Type.String({ description: "Rocket.Chat's public URL. Its origin is the only one granted CORS, targeted by postMessage and allowed by frame-ancestors. No `*`; https in production (loopback excepted). Required." }),
  PUBLIC_URL: Type.String({ description: "The companion's public base URL. Its origin is the only one accepted on form POSTs. No `*`; https in production (loopback excepted). Required." }),
  PORT: Int(1, 65535, 3001, 'Port to listen on (not 3000, where Rocket.Chat itself listens by default)'),
  HOST: TextOr('0.0.0.0', 'Address to listen on, one address: a name such as `localhost` listens on the first address it resolves to'),
  TRUST_PROXY: TextOr('false', '`true`, a hop count, or the proxy addresses: needed behind a proxy, so that per-IP limits and logs see the browser\'s address'),
  LOG_LEVEL: Choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info', 'pino level; tokens, secrets, passwords and cookies are always redacted'),
  METRICS_TOKEN: Text('When set, `GET /metrics` answers only `Authorization: Bearer <it>` (a random secret, at least 32 bytes)'),
} as const;

export type Site = Pick<Config, 'port' | 'host' | 'trustProxy' | 'logLevel' | 'metricsToken'> & { rocketChat?: URL; publicUrl?: URL };

export function checkSite({ env, has, production }: AreaInput): Checked<Site> {
  const problems = [
    ...originProblems('ROCKETCHAT_URL', has('ROCKETCHAT_URL') ? env.ROCKETCHAT_URL : undefined, production),
    ...originProblems('PUBLIC_URL', has('PUBLIC_URL') ? env.PUBLIC_URL : undefined, production),
  ];
  const metricsProblem = env.METRICS_TOKEN === undefined ? undefined : secretProblem('METRICS_TOKEN', env.METRICS_TOKEN);
  if (metricsProblem) problems.push(metricsProblem);
  return {
    problems,
    value: {
      rocketChat: parseUrl(env.ROCKETCHAT_URL),
      publicUrl: parseUrl(env.PUBLIC_URL),
      port: env.PORT,
      host: env.HOST,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      logLevel: env.LOG_LEVEL,
      ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    },
  };
}
