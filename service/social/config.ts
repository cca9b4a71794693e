/**
 * The social sign-in variables, checked as a group: each listed provider needs its keys, and
 * the sign-in needs the companion's own user directory (IDENTITY_SOURCE=local) and a token
 * mode that does not need the user's password.
 */
import { dirname, join } from 'node:path';
import type { Env } from '../config';
import { PROVIDERS, type Provider, type SocialConfig } from './types';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function socialConfig(env: Env, problems: string[]): SocialConfig | undefined {
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
    for (const name of names) if (!isHttpUrl(String(env[name]))) problems.push(`${name} must be an http(s) URL`);
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
