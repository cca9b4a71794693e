import { authorizationHeader, baseUrl, hmacSha1Signature, percentEncode, signatureBaseString } from '../../service/social/oauth1';
import { loadConfig } from '../../service/config';
import { baseEnv } from './support/harness';

describe('OAuth 1.0a signing', () => {
  // Twitter's documented example ("Creating a signature"), with its published signature.
  const url = new URL('https://api.twitter.com/1.1/statuses/update.json?include_entities=true');
  const oauth: [string, string][] = [
    ['oauth_consumer_key', 'xvz1evFS4wEEPTGEFPHBog'],
    ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '1318622958'],
    ['oauth_token', '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb'],
    ['oauth_version', '1.0'],
    ['status', 'Hello Ladies + Gentlemen, a signed OAuth request!'],
  ];

  test("matches Twitter's published example, query parameters included and sorted", () => {
    const base = signatureBaseString('POST', url, oauth);
    expect(base).toBe(
      'POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521',
    );
    expect(hmacSha1Signature(base, 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw', 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE')).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
  });

  test('RFC 3986 encoding, base URL rules, and the header', () => {
    expect(percentEncode("a b!*'()~")).toBe('a%20b%21%2A%27%28%29~');
    expect(baseUrl(new URL('HTTPS://API.Example.COM:443/a/b?x=1'))).toBe('https://api.example.com/a/b');
    expect(baseUrl(new URL('http://127.0.0.1:8080/x'))).toBe('http://127.0.0.1:8080/x');
    const header = authorizationHeader('POST', url, { consumerKey: 'xvz1evFS4wEEPTGEFPHBog', consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw', token: oauth[4][1], tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE' }, { nonce: oauth[1][1], timestamp: '1318622958' }, [oauth[6]]);
    expect(header).toContain('oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"');
    expect(header.startsWith('OAuth ')).toBe(true);
  });
});

describe('social configuration', () => {
  const load = (env: Record<string, string>) => loadConfig(baseEnv(env) as NodeJS.ProcessEnv);

  test('off by default', () => {
    expect(load({}).social).toBeUndefined();
  });

  test('a provider listed without its keys names each missing variable', () => {
    expect(() => load({ SOCIAL_PROVIDERS: 'facebook,google,twitter' })).toThrow(/FACEBOOK_APP_ID[\s\S]*FACEBOOK_APP_SECRET[\s\S]*GOOGLE_CLIENT_ID[\s\S]*TWITTER_CONSUMER_KEY[\s\S]*TWITTER_CONSUMER_SECRET/);
  });

  test('unknown providers, other identity sources, password mode and bad URLs are refused', () => {
    expect(() => load({ SOCIAL_PROVIDERS: 'myspace' })).toThrow(/SOCIAL_PROVIDERS must list only facebook, google, twitter/);
    expect(() => load({ SOCIAL_PROVIDERS: 'google', GOOGLE_CLIENT_ID: 'x', IDENTITY_SOURCE: 'forward', FORWARD_AUTH_URL: 'http://127.0.0.1:1/' })).toThrow(/IDENTITY_SOURCE=local/);
    expect(() => load({ SOCIAL_PROVIDERS: 'google', GOOGLE_CLIENT_ID: 'x', GOOGLE_TOKENINFO_URL: 'ftp://x' })).toThrow(/GOOGLE_TOKENINFO_URL must be an http\(s\) URL/);
  });

  test('defaults: the real endpoints, 5 s reply wait, no auto-create, links beside the users file', () => {
    const social = load({ SOCIAL_PROVIDERS: ' Google , twitter', GOOGLE_CLIENT_ID: 'cid', TWITTER_CONSUMER_KEY: 'k', TWITTER_CONSUMER_SECRET: 's', LOCAL_USERS_FILE: '/var/lib/x/users.json' }).social;
    expect(social).toMatchObject({
      providers: ['google', 'twitter'],
      replyTimeoutMs: 5000,
      autoCreate: false,
      linksFile: '/var/lib/x/social-links.json',
      google: { clientId: 'cid', tokeninfoUrl: 'https://oauth2.googleapis.com/tokeninfo' },
      twitter: { verifyCredentialsUrl: 'https://api.twitter.com/1.1/account/verify_credentials.json?include_email=true' },
    });
    expect(social?.facebook).toBeUndefined();
  });
});
