/**
 * Facebook: `debug_token` with the app token (app id|app secret) says whether the user's
 * access token is valid, for which app and which user; only then is `/me` asked for the email
 * (with appsecret_proof, so a stolen token alone cannot make that call on our behalf).
 */
import { createHmac } from 'node:crypto';
import { getJson, withQuery } from './http';
import { field, SocialRefused, type SocialConfig, type SocialVerifier } from './types';

export function createFacebookVerifier(config: NonNullable<SocialConfig['facebook']>, timeoutMs: number, now = () => Date.now()): SocialVerifier {
  return {
    provider: 'facebook',
    async verify(response) {
      const accessToken = field(response, 'accessToken');
      const userId = field(response, 'userID', 64);
      if (!accessToken || !userId) throw new SocialRefused('malformed_reply');

      const debug = await getJson(withQuery(config.debugTokenUrl, { input_token: accessToken, access_token: `${config.appId}|${config.appSecret}` }), timeoutMs);
      const data = (debug.body as { data?: Record<string, unknown> } | undefined)?.data;
      if (debug.status !== 200 || !data) throw new SocialRefused('token_rejected');
      if (data.is_valid !== true) throw new SocialRefused('token_invalid');
      if (String(data.app_id) !== config.appId) throw new SocialRefused('wrong_app');
      if (String(data.user_id) !== userId) throw new SocialRefused('user_mismatch');
      // 0 would mean "never expires": user tokens from a login dialog always expire, so refuse it.
      if (typeof data.expires_at !== 'number' || data.expires_at * 1000 <= now()) throw new SocialRefused('token_expired');

      const proof = createHmac('sha256', config.appSecret).update(accessToken).digest('hex');
      const me = await getJson(withQuery(config.meUrl, { fields: 'id,name,email', access_token: accessToken, appsecret_proof: proof }), timeoutMs);
      if (me.status !== 200 || field(me.body, 'id', 64) !== userId) throw new SocialRefused('profile_mismatch');
      // Facebook returns only a confirmed primary email, and none at all when the user declined.
      const email = field(me.body, 'email', 320);
      return { provider: 'facebook', id: userId, verifiedEmail: email, name: field(me.body, 'name', 200) };
    },
  };
}
