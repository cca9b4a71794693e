/**
 * Twitter: account/verify_credentials, signed with our consumer keys and the user's token and
 * secret, answers only for a token pair issued to our app; its id_str must be the claimed user.
 */
import { authorizationHeader } from './oauth1';
import { getJson } from './http';
import { field, SocialRefused, type SocialConfig, type SocialVerifier } from './types';

export function createTwitterVerifier(config: NonNullable<SocialConfig['twitter']>, timeoutMs: number): SocialVerifier {
  return {
    provider: 'twitter',
    async verify(response) {
      const token = field(response, 'token', 512);
      const secret = field(response, 'secret', 512);
      const userId = field(response, 'userId', 64);
      if (!token || !secret || !userId) throw new SocialRefused('malformed_reply');
      const url = new URL(config.verifyCredentialsUrl);
      const authorization = authorizationHeader('GET', url, { consumerKey: config.consumerKey, consumerSecret: config.consumerSecret, token, tokenSecret: secret });
      const answer = await getJson(url, timeoutMs, { authorization });
      if (answer.status !== 200) throw new SocialRefused('token_rejected');
      if (field(answer.body, 'id_str', 64) !== userId) throw new SocialRefused('user_mismatch');
      // Twitter hands out an email only when it is verified and the app may ask for it.
      return { provider: 'twitter', id: userId, verifiedEmail: field(answer.body, 'email', 320), name: field(answer.body, 'name', 200) };
    },
  };
}
