/**
 * Google: tokeninfo for the ID token (preferred: signed for an audience) or else the OAuth
 * access token. The token must be issued to our client id, unexpired, and name the user the
 * reply claims.
 */
import { getJson, withQuery } from './http';
import { field, SocialRefused, type SocialConfig, type SocialVerifier } from './types';

const ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

export function createGoogleVerifier(config: NonNullable<SocialConfig['google']>, timeoutMs: number, now = () => Date.now()): SocialVerifier {
  return {
    provider: 'google',
    async verify(response) {
      const idToken = field(response, 'idToken', 8192);
      const accessToken = field(response, 'oauthToken') ?? field(response, 'accessToken');
      const userId = field(response, 'userId', 64);
      if ((!idToken && !accessToken) || !userId) throw new SocialRefused('malformed_reply');

      const query: Record<string, string> = idToken ? { id_token: idToken } : { access_token: accessToken as string };
      const info = await getJson(withQuery(config.tokeninfoUrl, query), timeoutMs);
      const body = info.body;
      if (info.status !== 200 || !body || typeof body !== 'object') throw new SocialRefused('token_rejected');
      // azp is the client the token was issued to; aud differs from it when a mobile app asks for a web client's audience.
      if (field(body, 'aud', 256) !== config.clientId && field(body, 'azp', 256) !== config.clientId) throw new SocialRefused('wrong_app');
      const iss = field(body, 'iss', 256);
      if (iss !== undefined && !ISSUERS.includes(iss)) throw new SocialRefused('wrong_issuer');
      const exp = Number(field(body, 'exp', 20));
      if (!Number.isFinite(exp) || exp * 1000 <= now()) throw new SocialRefused('token_expired');
      if (field(body, 'sub', 64) !== userId) throw new SocialRefused('user_mismatch');
      const verified = (body as Record<string, unknown>).email_verified;
      const email = field(body, 'email', 320);
      return { provider: 'google', id: userId, verifiedEmail: email && (verified === true || verified === 'true') ? email : undefined, name: field(body, 'name', 200) };
    },
  };
}
