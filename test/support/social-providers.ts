/**
 * Local stand-ins of the providers' verification endpoints (Facebook debug_token and /me,
 * Google tokeninfo, Twitter verify_credentials with OAuth 1.0a checked), over real HTTP. Tests
 * register the tokens they hand out; anything else is refused the way the provider refuses it.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hmacSha1Signature, percentEncode, signatureBaseString } from '../../service/social/oauth1';

export const FACEBOOK_APP = { id: '1000001', secret: 'facebook-app-secret' };
export const GOOGLE_CLIENT_ID = 'client-1.apps.googleusercontent.com';
export const TWITTER_APP = { key: 'twitter-consumer-key', secret: 'twitter-consumer-secret' };

export interface FacebookToken { appId: string; userId: string; expiresAt: number; isValid: boolean; email?: string; name?: string }
export interface GoogleToken { aud: string; azp?: string; sub: string; exp: number; email?: string; emailVerified: boolean; name?: string }
export interface TwitterToken { secret: string; userId: string; email?: string; name?: string }

export interface ProviderStandIn {
  url: string;
  facebook: Map<string, FacebookToken>;
  google: Map<string, GoogleToken>;
  twitter: Map<string, TwitterToken>;
  /** Milliseconds every answer waits (timeouts). */
  delayMs: number;
  calls: string[];
  /** The companion environment pointing at this stand-in, all three providers on. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function parseOAuthHeader(header: string | undefined): Record<string, string> | undefined {
  if (!header?.startsWith('OAuth ')) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) fields[match[1]] = decodeURIComponent(match[2]);
  return fields;
}

export async function startProviderStandIn(): Promise<ProviderStandIn> {
  const facebook = new Map<string, FacebookToken>();
  const google = new Map<string, GoogleToken>();
  const twitter = new Map<string, TwitterToken>();
  const calls: string[] = [];
  let base = '';

  function answer(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const q = url.searchParams;
    calls.push(url.pathname);
    if (url.pathname === '/facebook/debug_token') {
      if (q.get('access_token') !== `${FACEBOOK_APP.id}|${FACEBOOK_APP.secret}`) return answer(res, 400, { error: { message: 'Invalid OAuth access token.', code: 190 } });
      const token = facebook.get(q.get('input_token') ?? '');
      if (!token) return answer(res, 200, { data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' } } });
      return answer(res, 200, { data: { app_id: token.appId, type: 'USER', is_valid: token.isValid, user_id: token.userId, expires_at: token.expiresAt, scopes: ['email', 'public_profile'] } });
    }
    if (url.pathname === '/facebook/me') {
      const accessToken = q.get('access_token') ?? '';
      const token = facebook.get(accessToken);
      const proof = createHmac('sha256', FACEBOOK_APP.secret).update(accessToken).digest('hex');
      if (!token || q.get('appsecret_proof') !== proof) return answer(res, 400, { error: { message: 'Invalid appsecret_proof', code: 100 } });
      return answer(res, 200, { id: token.userId, name: token.name, ...(token.email ? { email: token.email } : {}) });
    }
    if (url.pathname === '/google/tokeninfo') {
      const token = google.get(q.get('id_token') ?? q.get('access_token') ?? '');
      if (!token) return answer(res, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
      return answer(res, 200, {
        iss: 'https://accounts.google.com', aud: token.aud, azp: token.azp ?? token.aud, sub: token.sub, exp: String(token.exp),
        ...(token.email ? { email: token.email, email_verified: String(token.emailVerified) } : {}), name: token.name,
      });
    }
    if (url.pathname === '/twitter/verify_credentials.json') {
      const oauth = parseOAuthHeader(req.headers.authorization);
      const token = oauth && twitter.get(oauth.oauth_token ?? '');
      if (!oauth || !token || oauth.oauth_consumer_key !== TWITTER_APP.key || oauth.oauth_signature_method !== 'HMAC-SHA1') return answer(res, 401, { errors: [{ code: 89, message: 'Invalid or expired token.' }] });
      const params = Object.entries(oauth).filter(([k]) => k !== 'oauth_signature') as [string, string][];
      const expected = hmacSha1Signature(signatureBaseString('GET', url, params), TWITTER_APP.secret, token.secret);
      if (percentEncode(expected) !== percentEncode(oauth.oauth_signature ?? '')) return answer(res, 401, { errors: [{ code: 32, message: 'Could not authenticate you.' }] });
      return answer(res, 200, { id_str: token.userId, screen_name: 'someone', name: token.name, ...(token.email && q.get('include_email') === 'true' ? { email: token.email } : {}) });
    }
    return answer(res, 404, { error: 'not found' });
  }

  const standIn: ProviderStandIn = {
    url: '',
    facebook,
    google,
    twitter,
    delayMs: 0,
    calls,
    env() {
      return {
        SOCIAL_PROVIDERS: 'facebook,google,twitter',
        FACEBOOK_APP_ID: FACEBOOK_APP.id,
        FACEBOOK_APP_SECRET: FACEBOOK_APP.secret,
        FACEBOOK_DEBUG_TOKEN_URL: `${base}/facebook/debug_token`,
        FACEBOOK_ME_URL: `${base}/facebook/me`,
        GOOGLE_CLIENT_ID,
        GOOGLE_TOKENINFO_URL: `${base}/google/tokeninfo`,
        TWITTER_CONSUMER_KEY: TWITTER_APP.key,
        TWITTER_CONSUMER_SECRET: TWITTER_APP.secret,
        TWITTER_VERIFY_CREDENTIALS_URL: `${base}/twitter/verify_credentials.json?include_email=true`,
      };
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  const server = createServer((req, res) => {
    if (standIn.delayMs > 0) setTimeout(() => handle(req, res), standIn.delayMs);
    else handle(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.url = base;
  return standIn;
}
