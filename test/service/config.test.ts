import { generateKeyPairSync } from 'node:crypto';
import { loadConfig, parseFieldMap, sameSite } from '../../service/config';
import { baseEnv, configProblems as problems } from './support/harness';

const pem = (type: 'ed25519' | 'ec' | 'rsa', extra: object = {}) =>
  (generateKeyPairSync as (t: string, o: object) => { privateKey: { export(o: object): string } })(type, extra).privateKey.export({ type: 'pkcs8', format: 'pem' });

describe('config', () => {
  test('a minimal app-mode environment loads, with defaults', () => {
    const config = loadConfig(baseEnv() as NodeJS.ProcessEnv);
    expect(config.port).toBe(3001); // not 3000, where Rocket.Chat itself listens
    expect(config.rocketChatOrigin).toBe('https://chat.example.com');
    expect(config.assertion).toMatchObject({ issuer: 'https://auth.example.org', audience: 'https://chat.example.com', lifetimeSeconds: 30 });
    expect(config.assertion.key?.alg).toBe('HS256');
    expect(config.app?.logoutUrl).toBe('http://127.0.0.1:9/api/apps/public/x/logout');
    expect(config.identitySource).toBe('local');
    expect(config.session.sameSite).toBe('none');
  });

  test('every problem is listed at once, each naming its variable', () => {
    const list = problems({ PORT: 'eighty', TOKEN_MODE: 'magic', BRANDING_PRIMARY_COLOR: 'red;}' });
    const text = list.join('\n');
    for (const name of ['ROCKETCHAT_URL', 'PUBLIC_URL', 'SESSION_SECRET', 'PORT', 'TOKEN_MODE', 'BRANDING_PRIMARY_COLOR']) expect(text).toContain(name);
    expect(text).toContain('must be one of app | mongo');
    expect(() => loadConfig({} as NodeJS.ProcessEnv)).toThrow(/Invalid configuration \(\d+ problems\)/);
  });

  test.each([
    [{ ROCKETCHAT_URL: 'chat.example.com' }, 'ROCKETCHAT_URL'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ APP_LOGIN_URL: undefined }, 'APP_LOGIN_URL is required when TOKEN_MODE=app'],
    [{ APP_LOGIN_URL: 'not a url' }, 'APP_LOGIN_URL'],
    [{ ASSERTION_SECRET: undefined }, 'exactly one of ASSERTION_PRIVATE_KEY or ASSERTION_SECRET'],
    [{ ASSERTION_SECRET: 'too-short' }, 'ASSERTION_SECRET must be at least 32 bytes'],
    [{ ASSERTION_PRIVATE_KEY: 'garbage' }, 'exactly one of ASSERTION_PRIVATE_KEY or ASSERTION_SECRET'],
    [{ ASSERTION_SECRET: undefined, ASSERTION_PRIVATE_KEY: 'garbage' }, 'ASSERTION_PRIVATE_KEY is not a readable PEM'],
    [{ ASSERTION_LIFETIME_SECONDS: '120' }, 'ASSERTION_LIFETIME_SECONDS'],
    [{ TOKEN_MODE: 'mongo' }, 'MONGODB_URL is required when TOKEN_MODE=mongo'],
    [{ MONGODB_URL: 'http://db' }, 'MONGODB_URL must start with mongodb://'],
    [{ IDENTITY_SOURCE: 'forward' }, 'FORWARD_AUTH_URL is required when IDENTITY_SOURCE=forward'],
    [{ IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: 'https://site/me', FORWARD_FIELD_MAP: 'nope=id' }, 'FORWARD_FIELD_MAP'],
    [{ IDENTITY_SOURCE: 'jwt-cookie' }, 'JWT_COOKIE_NAME is required'],
    [{ IDENTITY_SOURCE: 'jwt-cookie', JWT_COOKIE_NAME: 'c', JWT_COOKIE_ISSUER: 'i', JWT_COOKIE_AUDIENCE: 'a' }, 'exactly one of JWT_COOKIE_JWKS_URL or JWT_COOKIE_KEY'],
    [{ IDENTITY_SOURCE: 'jwt-cookie', JWT_COOKIE_NAME: 'c', JWT_COOKIE_ISSUER: 'i', JWT_COOKIE_AUDIENCE: 'a', JWT_COOKIE_KEY: 'k', JWT_COOKIE_ALGORITHMS: 'none' }, 'JWT_COOKIE_ALGORITHMS'],
    [{ BRANDING_LOGO_URL: 'http://insecure/logo.png' }, 'BRANDING_LOGO_URL'],
    [{ BRANDING_LOGO_URL: 'javascript:alert(1)' }, 'BRANDING_LOGO_URL'],
    [{ COOKIE_PARTITIONED: 'yes' }, 'COOKIE_PARTITIONED'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LOCKOUT_BASE_SECONDS: '600', LOCKOUT_MAX_SECONDS: '60' }, 'LOCKOUT_BASE_SECONDS'],
  ])('%j is refused, naming the variable', (overrides, expected) => {
    expect(problems(baseEnv(overrides)).join('\n')).toContain(expected);
  });

  test('the private key type fixes the algorithm: Ed25519 → EdDSA, P-256 → ES256; RSA refused', () => {
    const ed = loadConfig(baseEnv({ ASSERTION_SECRET: undefined, ASSERTION_PRIVATE_KEY: pem('ed25519'), ASSERTION_KEY_ID: 'k1' }) as NodeJS.ProcessEnv);
    expect(ed.assertion.key).toMatchObject({ alg: 'EdDSA', kid: 'k1' });
    const ec = loadConfig(baseEnv({ ASSERTION_SECRET: undefined, ASSERTION_PRIVATE_KEY: pem('ec', { namedCurve: 'P-256' }).replace(/\n/g, '\\n') }) as NodeJS.ProcessEnv);
    expect(ec.assertion.key?.alg).toBe('ES256');
    expect(problems(baseEnv({ ASSERTION_SECRET: undefined, ASSERTION_PRIVATE_KEY: pem('ec', { namedCurve: 'P-384' }) })).join()).toContain('ASSERTION_PRIVATE_KEY is a ec key');
    expect(problems(baseEnv({ ASSERTION_SECRET: undefined, ASSERTION_PRIVATE_KEY: pem('rsa', { modulusLength: 2048 }) })).join()).toContain('ASSERTION_PRIVATE_KEY is a rsa key');
  });

  test('mongo mode needs no App settings', () => {
    const config = loadConfig(baseEnv({ TOKEN_MODE: 'mongo', APP_LOGIN_URL: undefined, ASSERTION_SECRET: undefined, MONGODB_URL: 'mongodb://db/rocketchat', MONGO_DEFAULT_ROLES: 'user, guest' }) as NodeJS.ProcessEnv);
    expect(config.mongo).toEqual({ url: 'mongodb://db/rocketchat', autoCreateUsers: true, defaultRoles: ['user', 'guest'], matchByVerifiedEmail: false });
    const matching = loadConfig(baseEnv({ TOKEN_MODE: 'mongo', APP_LOGIN_URL: undefined, ASSERTION_SECRET: undefined, MONGODB_URL: 'mongodb://db/rocketchat', MONGO_MATCH_BY_VERIFIED_EMAIL: 'true' }) as NodeJS.ProcessEnv);
    expect(matching.mongo?.matchByVerifiedEmail).toBe(true);
    expect(problems(baseEnv({ MONGODB_URL: 'mongodb://db/rocketchat', MONGO_MATCH_BY_VERIFIED_EMAIL: 'yes' }))).toEqual([expect.stringContaining('MONGO_MATCH_BY_VERIFIED_EMAIL')]);
  });

  test('forward and jwt-cookie settings are passed on typed', () => {
    const forward = loadConfig(baseEnv({ IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: 'https://site.example.org/me', FORWARD_FIELD_MAP: 'sub=id,email=mail' }) as NodeJS.ProcessEnv);
    expect(forward.forward).toEqual({ url: 'https://site.example.org/me', timeoutMs: 2000, cacheSeconds: 10, fieldMap: { sub: 'id', email: 'mail' } });
    const jwt = loadConfig(baseEnv({ IDENTITY_SOURCE: 'jwt-cookie', JWT_COOKIE_NAME: 'site', JWT_COOKIE_JWKS_URL: 'https://site/jwks', JWT_COOKIE_ISSUER: 'i', JWT_COOKIE_AUDIENCE: 'a' }) as NodeJS.ProcessEnv);
    expect(jwt.jwtCookie).toMatchObject({ cookieName: 'site', jwksUrl: 'https://site/jwks', algorithms: ['RS256', 'ES256', 'EdDSA'] });
  });

  test('SameSite is Lax on the same site, None across sites', () => {
    expect(loadConfig(baseEnv({ PUBLIC_URL: 'https://auth.chat.example.com' }) as NodeJS.ProcessEnv).session.sameSite).toBe('lax');
    expect(sameSite(new URL('https://a.example.com'), new URL('https://b.example.com'))).toBe(true);
    expect(sameSite(new URL('https://a.example.com'), new URL('http://a.example.com'))).toBe(false);
    expect(sameSite(new URL('https://example.com'), new URL('https://example.org'))).toBe(false);
  });

  test('field maps', () => {
    expect(parseFieldMap('')).toEqual({});
    expect(parseFieldMap('sub=id, name = display')).toEqual({ sub: 'id', name: 'display' });
    expect(parseFieldMap('sub')).toMatch(/not claim=field/);
  });
});
