/**
 * App mode's slice of the environment: where the App's endpoints are and the key that signs the
 * assertions it verifies (one of a private key or a shared secret, the App holding the other half).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../../../app/contract/claims';
import { SECRET_HINT } from '../../../app/contract/secrets';
import { Int, Text } from '../../config/fields';
import { parseUrl, pem, secretProblem, urlProblem } from '../../config/parse';
import type { AreaInput, AssertionKey, Checked, Config } from '../../config/types';

export const appModeFields = {
  APP_LOGIN_URL: Text("The App's `login` endpoint, `https://<rocket.chat>/api/apps/public/<app id>/login`. Required in app mode"),
  APP_LOGOUT_URL: Text("The App's `logout` endpoint (default: APP_LOGIN_URL ending in /logout)"),
  APP_STATUS_URL: Text("The App's `status` endpoint (default: APP_LOGIN_URL ending in /status)"),
  APP_TIMEOUT_MS: Int(100, 60000, 3000, 'Timeout of each call to the App'),
} as const;

export const signingKeyFields = {
  ASSERTION_SECRET: Text("App mode: HS256 shared secret, at least 32 bytes and random (`openssl rand -base64 32`), the App's `assertion_secret`. Exactly one of this or ASSERTION_PRIVATE_KEY"),
  ASSERTION_PRIVATE_KEY: Text('App mode: PKCS#8 PEM private key (Ed25519 → EdDSA, P-256 → ES256; `openssl genpkey -algorithm ed25519`); the App gets the public key'),
  ASSERTION_KEY_ID: Text('`kid` header of the assertions (for key rotation)'),
} as const;

/** The key's own type fixes the algorithm, so a key can never be used with the wrong one. */
function importPrivateKey(value: string): { alg: Algorithm; key: KeyObject } | string {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem(value));
  } catch {
    return 'is not a readable PEM private key';
  }
  if (key.asymmetricKeyType === 'ed25519') return { alg: 'EdDSA', key };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { alg: 'ES256', key };
  return `is a ${key.asymmetricKeyType ?? 'unknown'} key; use Ed25519 (EdDSA) or P-256 (ES256)`;
}

function signingKey({ env, has }: AreaInput, problems: string[]): AssertionKey | undefined {
  if (has('ASSERTION_PRIVATE_KEY') === has('ASSERTION_SECRET')) {
    problems.push(`exactly one of ASSERTION_PRIVATE_KEY or ASSERTION_SECRET is required when TOKEN_MODE=app (ASSERTION_SECRET: ${SECRET_HINT}; ASSERTION_PRIVATE_KEY: openssl genpkey -algorithm ed25519)`);
    return undefined;
  }
  if (env.ASSERTION_SECRET !== undefined) {
    const problem = secretProblem('ASSERTION_SECRET', env.ASSERTION_SECRET);
    if (problem) {
      problems.push(problem);
      return undefined;
    }
    return { alg: 'HS256', key: new TextEncoder().encode(env.ASSERTION_SECRET), kid: env.ASSERTION_KEY_ID };
  }
  const imported = importPrivateKey(env.ASSERTION_PRIVATE_KEY as string);
  if (typeof imported === 'string') {
    problems.push(`ASSERTION_PRIVATE_KEY ${imported}`);
    return undefined;
  }
  return { ...imported, kid: env.ASSERTION_KEY_ID };
}

export function checkAppMode(input: AreaInput): Checked<{ app?: Config['app']; key?: AssertionKey }> {
  const { env, has } = input;
  if (env.TOKEN_MODE !== 'app') return { problems: [], value: {} };
  const problems = [...urlProblem('APP_LOGOUT_URL', env.APP_LOGOUT_URL), ...urlProblem('APP_STATUS_URL', env.APP_STATUS_URL)];
  const loginUrl = parseUrl(env.APP_LOGIN_URL);
  if (!has('APP_LOGIN_URL')) problems.push('APP_LOGIN_URL is required when TOKEN_MODE=app');
  else if (!loginUrl) problems.push('APP_LOGIN_URL must be an http(s) URL');
  const key = signingKey(input, problems);
  if (!loginUrl) return { problems, value: { key } };
  const sibling = (segment: string) => new URL(segment, new URL('.', loginUrl)).toString();
  const app = { loginUrl: loginUrl.toString(), logoutUrl: env.APP_LOGOUT_URL ?? sibling('logout'), statusUrl: env.APP_STATUS_URL ?? sibling('status'), timeoutMs: env.APP_TIMEOUT_MS };
  return { problems, value: { app, key } };
}
