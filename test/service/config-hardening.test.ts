/**
 * What the start refuses beyond the schema (security review): secrets that are public or
 * guessable, origins that are not exact or not https in production, and the same-site guess.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, sameSite } from '../../service/config';
import { baseEnv, configProblems as problems } from './support/harness';

const load = (env: Record<string, string | undefined>) => loadConfig(baseEnv(env) as NodeJS.ProcessEnv);
const strong = () => randomBytes(32).toString('base64');

describe('shared secrets: placeholders and hand-typed values are refused', () => {
  const SECRETS = ['SESSION_SECRET', 'ASSERTION_SECRET', 'BACKCHANNEL_SECRET'] as const;
  const WEAK: [string, string][] = [
    ['the old .env.example session placeholder', 'change-me-to-at-least-32-random-characters-0123'],
    ['the old .env.example assertion placeholder', 'change-me-to-at-least-32-random-bytes-0123456789'],
    ['change-me in another case, inside a random value', `${strong()}CHANGE-ME${strong()}`],
    ['changeme without the dash', 'changeme-changeme-changeme-chang'],
    ["'a' × 32", 'a'.repeat(32)],
    ['a short repeated pattern', 'abc123'.repeat(8)],
    ['hex with too few digits', '0123456789'.repeat(4).replace(/9/g, '0')],
  ];

  for (const name of SECRETS) {
    test.each(WEAK)(`${name}: %s is refused with how to make one`, (_label, value) => {
      for (const NODE_ENV of ['production', 'development', undefined]) {
        const text = problems(baseEnv({ [name]: value, NODE_ENV })).join('\n');
        expect(text).toMatch(new RegExp(`${name} (is a placeholder|has only \\d+ different characters?)`));
        expect(text).toContain('openssl rand -base64 32');
        expect(text).not.toContain(value);
      }
    });
  }

  test.each([
    ['openssl rand -base64 32', () => randomBytes(32).toString('base64')],
    ['openssl rand -base64 48', () => randomBytes(48).toString('base64')],
    ['openssl rand -hex 32', () => randomBytes(32).toString('hex')],
    ['openssl rand -hex 32, upper case', () => randomBytes(32).toString('hex').toUpperCase()],
    ['base64url', () => randomBytes(32).toString('base64url')],
  ])('random secrets pass (%s, 200 of each, for all three)', (_label, make) => {
    for (let i = 0; i < 200; i += 1) {
      expect(problems(baseEnv({ SESSION_SECRET: make(), ASSERTION_SECRET: make(), BACKCHANNEL_SECRET: make(), NODE_ENV: 'production' }))).toEqual([]);
    }
  });

  test.each(['ASSERTION_SECRET', 'BACKCHANNEL_SECRET'])('SESSION_SECRET equal to %s (which Rocket.Chat admins can read in the App) is refused, without the value', (other) => {
    const value = strong();
    const text = problems(baseEnv({ SESSION_SECRET: value, [other]: value })).join('\n');
    expect(text).toContain(`SESSION_SECRET must differ from ${other}`);
    expect(text).not.toContain(value);
    expect(problems(baseEnv({ SESSION_SECRET: strong(), [other]: value }))).toEqual([]);
  });

  test('the length rule still comes first and now says how to make one', () => {
    const text = problems(baseEnv({ SESSION_SECRET: 'short' })).join('\n');
    expect(text).toContain('SESSION_SECRET must be at least 32 characters; generate one with: openssl rand -base64 32');
  });

  test('a missing SESSION_SECRET, or no assertion key in app mode, says how to make one', () => {
    expect(problems(baseEnv({ SESSION_SECRET: '' }))).toContain('SESSION_SECRET is required; generate one with: openssl rand -base64 32');
    expect(problems(baseEnv({ ASSERTION_SECRET: undefined })).join('\n')).toMatch(/exactly one of ASSERTION_PRIVATE_KEY or ASSERTION_SECRET .*openssl rand -base64 32/);
  });

  test('a shared-secret JWT_COOKIE_KEY follows the same rule; a PEM public key is not a secret', () => {
    const jwt = { IDENTITY_SOURCE: 'jwt-cookie', JWT_COOKIE_NAME: 'site', JWT_COOKIE_ISSUER: 'https://www.example.org', JWT_COOKIE_AUDIENCE: 'chat', JWT_COOKIE_ALGORITHMS: 'HS256' };
    expect(problems(baseEnv({ ...jwt, JWT_COOKIE_KEY: 'change-me-to-the-site-jwt-secret-0123456789' })).join('\n')).toMatch(/JWT_COOKIE_KEY is a placeholder/);
    expect(problems(baseEnv({ ...jwt, JWT_COOKIE_KEY: 'x'.repeat(40) })).join('\n')).toMatch(/JWT_COOKIE_KEY has only 1 different character\b/);
    expect(load({ ...jwt, JWT_COOKIE_KEY: strong() }).jwtCookie?.algorithms).toEqual(['HS256']);
    const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----';
    expect(load({ ...jwt, JWT_COOKIE_ALGORITHMS: 'EdDSA', JWT_COOKIE_KEY: pem }).jwtCookie?.key).toBe(pem);
  });

  test('provider secrets (issued by Facebook, Twitter) are only refused as placeholders', () => {
    const social = { SOCIAL_PROVIDERS: 'facebook,twitter', FACEBOOK_APP_ID: '1', TWITTER_CONSUMER_KEY: 'k' };
    const text = problems(baseEnv({ ...social, FACEBOOK_APP_SECRET: 'change-me', TWITTER_CONSUMER_SECRET: 'Change_Me' })).join('\n');
    expect(text).toMatch(/FACEBOOK_APP_SECRET is a placeholder/);
    expect(text).toMatch(/TWITTER_CONSUMER_SECRET is a placeholder/);
    expect(problems(baseEnv({ ...social, FACEBOOK_APP_SECRET: '0123456789abcdef0123456789abcdef', TWITTER_CONSUMER_SECRET: 'tw' }))).toEqual([]);
  });
});

describe('MongoDB mode provisioning', () => {
  test('MONGO_DEFAULT_ROLES with admin is refused: every created account would be an admin', () => {
    const env = { TOKEN_MODE: 'mongo', MONGODB_URL: 'mongodb://127.0.0.1:27017/rocketchat' };
    expect(problems(baseEnv({ ...env, MONGO_DEFAULT_ROLES: 'user, admin' })).join('\n')).toContain('MONGO_DEFAULT_ROLES must not include admin');
    expect(problems(baseEnv({ ...env, MONGO_DEFAULT_ROLES: 'user,livechat-agent' }))).toEqual([]);
  });
});

describe('ROCKETCHAT_URL and PUBLIC_URL: exact origins, https in production', () => {
  test.each(['ROCKETCHAT_URL', 'PUBLIC_URL'])('%s with a * is refused, in any environment', (name) => {
    for (const NODE_ENV of ['production', 'development', undefined]) {
      for (const value of ['https://*.example.com', 'https://chat.example.com/*', 'https://*', 'http://*.localhost:3000']) {
        expect(problems(baseEnv({ [name]: value, NODE_ENV })).join('\n')).toContain(`${name} must not contain *`);
      }
    }
  });

  test.each(['ROCKETCHAT_URL', 'PUBLIC_URL'])('%s over http:// is refused with NODE_ENV=production', (name) => {
    const text = problems(baseEnv({ [name]: 'http://chat.example.net', NODE_ENV: 'production' })).join('\n');
    expect(text).toContain(`${name} must be an https URL when NODE_ENV=production`);
  });

  test('NODE_ENV is read from the environment given, else from process.env', () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const text = problems(baseEnv({ PUBLIC_URL: 'http://auth.example.org', ROCKETCHAT_URL: 'http://chat.example.com' })).join('\n');
      expect(text).toContain('ROCKETCHAT_URL must be an https URL');
      expect(text).toContain('PUBLIC_URL must be an https URL');
      expect(problems(baseEnv({ PUBLIC_URL: 'http://auth.example.org', NODE_ENV: 'development' }))).toEqual([]);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  test.each(['http://localhost:3001', 'http://127.0.0.1:3000', 'http://127.8.9.10', 'http://[::1]:3000'])('loopback %s may stay http in production', (url) => {
    expect(problems(baseEnv({ ROCKETCHAT_URL: url, PUBLIC_URL: url, NODE_ENV: 'production' }))).toEqual([]);
  });

  test('outside production http stays allowed (development, tests)', () => {
    expect(load({ ROCKETCHAT_URL: 'http://chat.example.com', PUBLIC_URL: 'http://auth.example.org', NODE_ENV: 'development' }).rocketChatOrigin).toBe('http://chat.example.com');
  });

  test('look-alike loopback names are not loopback', () => {
    for (const url of ['http://localhost.example.com', 'http://127.0.0.1.example.com', 'http://[::2]']) {
      expect(problems(baseEnv({ PUBLIC_URL: url, NODE_ENV: 'production' })).join('\n')).toContain('PUBLIC_URL must be an https URL');
    }
  });
});

describe('sameSite errs towards cross-site (SameSite=None) where the registrable domain is unsure', () => {
  const same = (a: string, b: string) => sameSite(new URL(a), new URL(b));
  test('two registrants under a two-level country suffix are two sites', () => {
    expect(same('https://chat.example.co.uk', 'https://auth.other.co.uk')).toBe(false);
    expect(same('https://chat.example.com.au', 'https://auth.other.com.au')).toBe(false);
    expect(same('https://chat.example.ac.jp', 'https://auth.other.ac.jp')).toBe(false);
    expect(load({ ROCKETCHAT_URL: 'https://chat.example.co.uk', PUBLIC_URL: 'https://auth.other.co.uk' }).session.sameSite).toBe('none');
  });
  test('one registrant under such a suffix is still one site', () => {
    expect(same('https://chat.example.co.uk', 'https://auth.example.co.uk')).toBe(true);
    expect(same('https://a.b.example.org.br', 'https://example.org.br')).toBe(true);
  });
  test('hosting suffixes: each tenant is its own site', () => {
    for (const suffix of ['github.io', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev']) {
      expect(same(`https://chat-a.${suffix}`, `https://auth-b.${suffix}`)).toBe(false);
      expect(same(`https://chat.team.${suffix}`, `https://auth.team.${suffix}`)).toBe(true);
    }
  });
  test('ordinary names are unchanged', () => {
    expect(same('https://chat.example.com', 'https://auth.example.com')).toBe(true);
    expect(same('https://chat.example.uk', 'https://auth.example.uk')).toBe(true);
    expect(same('https://chat.example.com', 'https://auth.example.org')).toBe(false);
    expect(same('http://127.0.0.1:3000', 'http://localhost:3001')).toBe(false);
  });
});
