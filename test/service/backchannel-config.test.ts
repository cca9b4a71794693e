import { ConfigError, loadConfig } from '../../service/config';
import { baseEnv, PUBLIC_ORIGIN, RC_ORIGIN } from './support/harness';

const SECRET = 'backchannel-secret-of-at-least-32-bytes!';
const load = (overrides: Record<string, string | undefined>) => loadConfig(baseEnv(overrides) as NodeJS.ProcessEnv);
const problems = (overrides: Record<string, string | undefined>): string[] => {
  try {
    load(overrides);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('back-channel configuration', () => {
  test('off without BACKCHANNEL_SECRET', () => {
    expect(load({}).backchannel).toBeUndefined();
  });

  test("defaults: the App's issuer is ASSERTION_AUDIENCE, the audience is ASSERTION_ISSUER (their defaults: the two origins)", () => {
    expect(load({ BACKCHANNEL_SECRET: SECRET }).backchannel).toEqual({ secret: new TextEncoder().encode(SECRET), appIssuer: RC_ORIGIN, siteIssuer: undefined, audience: PUBLIC_ORIGIN });
    const custom = load({ BACKCHANNEL_SECRET: SECRET, ASSERTION_ISSUER: 'urn:site', ASSERTION_AUDIENCE: 'urn:chat', BACKCHANNEL_SITE_ISSUER: 'https://www.example.org' }).backchannel;
    expect(custom).toMatchObject({ appIssuer: 'urn:chat', audience: 'urn:site', siteIssuer: 'https://www.example.org' });
    expect(load({ BACKCHANNEL_SECRET: SECRET, BACKCHANNEL_ISSUER: 'urn:app' }).backchannel?.appIssuer).toBe('urn:app');
  });

  test('refuses a short secret, issuers without a secret, and a site issuer equal to the App one', () => {
    expect(problems({ BACKCHANNEL_SECRET: 'short' })).toContain('BACKCHANNEL_SECRET must be at least 32 bytes; generate one with: openssl rand -base64 32');
    expect(problems({ BACKCHANNEL_SITE_ISSUER: 'https://www.example.org' })).toContain('BACKCHANNEL_SECRET is required when BACKCHANNEL_ISSUER or BACKCHANNEL_SITE_ISSUER is set');
    expect(problems({ BACKCHANNEL_SECRET: SECRET, BACKCHANNEL_SITE_ISSUER: RC_ORIGIN }).join('\n')).toMatch(/BACKCHANNEL_SITE_ISSUER must differ/);
  });
});
