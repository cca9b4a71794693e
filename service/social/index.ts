/** Social sign-in as one object: the enabled providers' verifiers and the account mapping. */
import type { SiteUser } from '../identity/types';
import type { UserStore } from '../users/types';
import { resolveAccount } from './accounts';
import { createFacebookVerifier } from './facebook';
import { createGoogleVerifier } from './google';
import { createFileLinkStore, type LinkStore } from './links';
import { createTwitterVerifier } from './twitter';
import { SocialRefused, type Provider, type SocialConfig, type SocialIdentity, type SocialVerifier } from './types';

export interface SocialLogin {
  readonly providers: readonly Provider[];
  /** Verifies a success reply and names the local user; throws SocialRefused. */
  signIn(provider: Provider, response: unknown): Promise<{ user: SiteUser; identity: SocialIdentity }>;
}

function verifierFor(provider: Provider, config: SocialConfig): SocialVerifier {
  // Config validation guarantees each listed provider has its settings.
  if (provider === 'facebook' && config.facebook) return createFacebookVerifier(config.facebook, config.verifyTimeoutMs);
  if (provider === 'google' && config.google) return createGoogleVerifier(config.google, config.verifyTimeoutMs);
  if (provider === 'twitter' && config.twitter) return createTwitterVerifier(config.twitter, config.verifyTimeoutMs);
  throw new Error(`social provider ${provider} listed without its settings`);
}

export function createSocialLogin(config: SocialConfig, store: UserStore, links: LinkStore = createFileLinkStore(config.linksFile)): SocialLogin {
  const verifiers = new Map(config.providers.map((p) => [p, verifierFor(p, config)]));
  return {
    providers: config.providers,
    async signIn(provider, response) {
      const verifier = verifiers.get(provider);
      if (!verifier) throw new SocialRefused('provider_disabled');
      const identity = await verifier.verify(response);
      const user = await resolveAccount({ store, links, autoCreate: config.autoCreate }, identity);
      return { user, identity };
    },
  };
}
