/**
 * The social sign-in relay's variables, checked as a group: each listed provider needs its keys,
 * and the sign-in needs the companion's own user directory (IDENTITY_SOURCE=local) and a token
 * mode that does not need the user's password.
 */
import { dirname, join } from 'node:path';
import { isPlaceholderSecret, PLACEHOLDER_WHY } from '../../../app/contract/secrets';
import { PROVIDERS, type Provider, type SocialConfig } from '../../social/types';
import { Bool, Int, Text, TextOr } from '../fields';
import { parseUrl } from '../parse';
import type { Env } from '../schema';
import type { AreaInput, Checked } from '../types';

export const socialFields = {
  SOCIAL_PROVIDERS: TextOr('', 'Comma list of facebook, google, twitter; empty turns the social sign-in relay off'),
  SOCIAL_REPLY_TIMEOUT_MS: Int(500, 120_000, 5000, "How long the login page waits for Rocket.Chat's reply to call-*-login"),
  SOCIAL_VERIFY_TIMEOUT_MS: Int(100, 60_000, 5000, "Timeout of each call to a provider's verification endpoint"),
  SOCIAL_AUTO_CREATE: Bool('Create a local user for a provider account that matches none', false),
  SOCIAL_LINKS_FILE: Text('File of provider account → local user links (default: social-links.json beside LOCAL_USERS_FILE)'),
  FACEBOOK_APP_ID: Text('Facebook app id'),
  FACEBOOK_APP_SECRET: Text('Facebook app secret (the app token is id|secret)'),
  FACEBOOK_DEBUG_TOKEN_URL: TextOr('https://graph.facebook.com/debug_token', "Facebook's token verification endpoint"),
  FACEBOOK_ME_URL: TextOr('https://graph.facebook.com/me', "Facebook's profile endpoint"),
  GOOGLE_CLIENT_ID: Text('Google OAuth client id the tokens must be issued to'),
  GOOGLE_TOKENINFO_URL: TextOr('https://oauth2.googleapis.com/tokeninfo', "Google's token verification endpoint"),
  TWITTER_CONSUMER_KEY: Text('Twitter consumer (API) key'),
  TWITTER_CONSUMER_SECRET: Text('Twitter consumer (API) secret'),
  TWITTER_VERIFY_CREDENTIALS_URL: TextOr('https://api.twitter.com/1.1/account/verify_credentials.json?include_email=true', "Twitter's credentials endpoint"),
} as const;

/** Secrets the provider issues (its format, not ours): only a placeholder is refused. */
const PROVIDER_SECRETS = ['FACEBOOK_APP_SECRET', 'TWITTER_CONSUMER_SECRET'] as const;

export function checkSocial({ env, has }: AreaInput): Checked<SocialConfig | undefined> {
  const problems: string[] = [];
  for (const name of PROVIDER_SECRETS) {
    if (has(name) && isPlaceholderSecret(env[name] as string)) problems.push(`${name} ${PLACEHOLDER_WHY}; use the value the provider issued`);
  }
  return { problems, value: socialConfig(env, problems) };
}

function socialConfig(env: Env, problems: string[]): SocialConfig | undefined {
  const listed = env.SOCIAL_PROVIDERS.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  if (listed.length === 0) return undefined;
  const unknown = listed.filter((p) => !(PROVIDERS as readonly string[]).includes(p));
  if (unknown.length > 0) problems.push(`SOCIAL_PROVIDERS must list only ${PROVIDERS.join(', ')} (not ${unknown.join(', ')})`);
  const providers = [...new Set(listed.filter((p): p is Provider => (PROVIDERS as readonly string[]).includes(p)))];
  if (env.IDENTITY_SOURCE !== 'local') problems.push('SOCIAL_PROVIDERS needs IDENTITY_SOURCE=local (social accounts are linked to local users)');
  if (env.TOKEN_MODE === 'password') problems.push('SOCIAL_PROVIDERS cannot be used with TOKEN_MODE=password (there is no password to log in to Rocket.Chat with)');

  const required = (names: (keyof Env)[], provider: Provider) => {
    for (const name of names) if (env[name] === undefined) problems.push(`${name} is required when SOCIAL_PROVIDERS lists ${provider}`);
    return names.every((name) => env[name] !== undefined);
  };
  const urls = (names: (keyof Env)[]) => {
    for (const name of names) if (!parseUrl(String(env[name]))) problems.push(`${name} must be an http(s) URL`);
  };
  const config: SocialConfig = {
    providers,
    replyTimeoutMs: env.SOCIAL_REPLY_TIMEOUT_MS,
    verifyTimeoutMs: env.SOCIAL_VERIFY_TIMEOUT_MS,
    autoCreate: env.SOCIAL_AUTO_CREATE === 'true',
    linksFile: env.SOCIAL_LINKS_FILE ?? join(dirname(env.LOCAL_USERS_FILE), 'social-links.json'),
  };
  if (providers.includes('facebook')) {
    urls(['FACEBOOK_DEBUG_TOKEN_URL', 'FACEBOOK_ME_URL']);
    if (required(['FACEBOOK_APP_ID', 'FACEBOOK_APP_SECRET'], 'facebook')) {
      config.facebook = { appId: env.FACEBOOK_APP_ID as string, appSecret: env.FACEBOOK_APP_SECRET as string, debugTokenUrl: env.FACEBOOK_DEBUG_TOKEN_URL, meUrl: env.FACEBOOK_ME_URL };
    }
  }
  if (providers.includes('google')) {
    urls(['GOOGLE_TOKENINFO_URL']);
    if (required(['GOOGLE_CLIENT_ID'], 'google')) config.google = { clientId: env.GOOGLE_CLIENT_ID as string, tokeninfoUrl: env.GOOGLE_TOKENINFO_URL };
  }
  if (providers.includes('twitter')) {
    urls(['TWITTER_VERIFY_CREDENTIALS_URL']);
    if (required(['TWITTER_CONSUMER_KEY', 'TWITTER_CONSUMER_SECRET'], 'twitter')) {
      config.twitter = { consumerKey: env.TWITTER_CONSUMER_KEY as string, consumerSecret: env.TWITTER_CONSUMER_SECRET as string, verifyCredentialsUrl: env.TWITTER_VERIFY_CREDENTIALS_URL };
    }
  }
  return config;
}
