/** Who the user is: the identity source, and what each source needs (local users, forward, jwt-cookie). */
import { Choice, Int, Text, TextOr } from '../fields';
import { parseFieldMap, parseUrl, pem, secretProblem, urlProblem } from '../parse';
import type { AreaInput, Checked, Config, FieldMap } from '../types';

export const identityFields = {
  IDENTITY_SOURCE: Choice(['local', 'forward', 'jwt-cookie', 'rocketchat'], 'local', '`local` (the companion\'s own users), `forward` (ask your site), `jwt-cookie` (your site\'s signed cookie) or, in password mode, `rocketchat` (Rocket.Chat is the directory)'),
  LOCAL_USERS_FILE: TextOr('./data/users.json', 'The embedded store of local users, used when MONGODB_URL is unset'),
  SITE_LOGIN_URL: Text('Where the login page sends users who are not signed in at the site (forward, jwt-cookie)'),
} as const;

export const forwardFields = {
  FORWARD_AUTH_URL: Text("forward: called with the browser's Cookie and Authorization headers only; 200 with JSON `{sub, username, email, email_verified, name, roles?}` names the user, any other status means nobody"),
  FORWARD_AUTH_TIMEOUT_MS: Int(100, 60000, 2000, 'forward: timeout of the call'),
  FORWARD_AUTH_CACHE_SECONDS: Int(0, 3600, 10, 'forward: how long an answer is reused'),
  FORWARD_FIELD_MAP: TextOr('', 'forward: field names of your JSON, e.g. `sub=id,email=mail`'),
} as const;

export const jwtCookieFields = {
  JWT_COOKIE_NAME: Text('jwt-cookie: name of the site cookie holding a JWT'),
  JWT_COOKIE_JWKS_URL: Text('jwt-cookie: JWKS URL to verify it (or JWT_COOKIE_KEY)'),
  JWT_COOKIE_KEY: Text('jwt-cookie: PEM public key, JWK, or shared secret (HS*, at least 32 bytes and random) to verify it'),
  JWT_COOKIE_ISSUER: Text('jwt-cookie: expected `iss`'),
  JWT_COOKIE_AUDIENCE: Text('jwt-cookie: expected `aud`'),
  JWT_COOKIE_ALGORITHMS: TextOr('RS256,ES256,EdDSA', 'jwt-cookie: algorithms accepted (`none` is refused)'),
  JWT_COOKIE_FIELD_MAP: TextOr('', 'jwt-cookie: claim names of your JWT, e.g. `sub=uid`'),
} as const;

export type Identity = Pick<Config, 'identitySource' | 'localUsersFile' | 'siteLoginUrl' | 'forward' | 'jwtCookie'>;

function fieldMap(name: string, raw: string, problems: string[]): FieldMap | undefined {
  const map = parseFieldMap(raw);
  if (typeof map !== 'string') return map;
  problems.push(`${name}: ${map}`);
  return undefined;
}

function checkForward({ env, has }: AreaInput, problems: string[]): Config['forward'] {
  const map = fieldMap('FORWARD_FIELD_MAP', env.FORWARD_FIELD_MAP, problems);
  if (env.IDENTITY_SOURCE !== 'forward') return undefined;
  const url = parseUrl(env.FORWARD_AUTH_URL);
  if (!has('FORWARD_AUTH_URL')) problems.push('FORWARD_AUTH_URL is required when IDENTITY_SOURCE=forward');
  else if (!url) problems.push('FORWARD_AUTH_URL must be an http(s) URL');
  return url && map ? { url: url.toString(), timeoutMs: env.FORWARD_AUTH_TIMEOUT_MS, cacheSeconds: env.FORWARD_AUTH_CACHE_SECONDS, fieldMap: map } : undefined;
}

function checkJwtCookie({ env, has }: AreaInput, problems: string[]): Config['jwtCookie'] {
  const map = fieldMap('JWT_COOKIE_FIELD_MAP', env.JWT_COOKIE_FIELD_MAP, problems);
  if (env.IDENTITY_SOURCE !== 'jwt-cookie') return undefined;
  for (const name of ['JWT_COOKIE_NAME', 'JWT_COOKIE_ISSUER', 'JWT_COOKIE_AUDIENCE'] as const) {
    if (!has(name)) problems.push(`${name} is required when IDENTITY_SOURCE=jwt-cookie`);
  }
  if (has('JWT_COOKIE_JWKS_URL') === has('JWT_COOKIE_KEY')) problems.push('exactly one of JWT_COOKIE_JWKS_URL or JWT_COOKIE_KEY is required when IDENTITY_SOURCE=jwt-cookie');
  problems.push(...urlProblem('JWT_COOKIE_JWKS_URL', env.JWT_COOKIE_JWKS_URL));
  // Neither a PEM nor a JWK: the identity source uses it as the HS* shared secret of the site's JWTs.
  const sharedKey = env.JWT_COOKIE_KEY?.trim();
  if (sharedKey && !sharedKey.startsWith('-----BEGIN') && !sharedKey.startsWith('{')) {
    const problem = secretProblem('JWT_COOKIE_KEY', sharedKey);
    if (problem) problems.push(problem);
  }
  const algorithms = env.JWT_COOKIE_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean);
  if (algorithms.length === 0 || algorithms.some((a) => a === 'none' || !/^(HS|RS|PS|ES)(256|384|512)$|^EdDSA$/.test(a))) {
    problems.push('JWT_COOKIE_ALGORITHMS must list JWS algorithms such as RS256,ES256,EdDSA (never none)');
  }
  if (!map || !env.JWT_COOKIE_NAME || !env.JWT_COOKIE_ISSUER || !env.JWT_COOKIE_AUDIENCE) return undefined;
  return {
    cookieName: env.JWT_COOKIE_NAME,
    jwksUrl: env.JWT_COOKIE_JWKS_URL,
    key: env.JWT_COOKIE_KEY === undefined ? undefined : pem(env.JWT_COOKIE_KEY),
    issuer: env.JWT_COOKIE_ISSUER,
    audience: env.JWT_COOKIE_AUDIENCE,
    algorithms,
    fieldMap: map,
  };
}

export function checkIdentity(input: AreaInput): Checked<Identity> {
  const { env } = input;
  const problems = urlProblem('SITE_LOGIN_URL', env.SITE_LOGIN_URL);
  // Password mode needs the password itself: only the form-based sources have one.
  if (env.TOKEN_MODE === 'password' && env.IDENTITY_SOURCE !== 'local' && env.IDENTITY_SOURCE !== 'rocketchat') {
    problems.push('IDENTITY_SOURCE must be local or rocketchat when TOKEN_MODE=password (the user types the password on our form)');
  }
  if (env.IDENTITY_SOURCE === 'rocketchat' && env.TOKEN_MODE !== 'password') problems.push('IDENTITY_SOURCE=rocketchat needs TOKEN_MODE=password');
  const forward = checkForward(input, problems);
  const jwtCookie = checkJwtCookie(input, problems);
  return { problems, value: { identitySource: env.IDENTITY_SOURCE, localUsersFile: env.LOCAL_USERS_FILE, siteLoginUrl: env.SITE_LOGIN_URL, forward, jwtCookie } };
}
