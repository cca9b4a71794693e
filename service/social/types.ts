/**
 * Social sign-in (docs/social.md): the login page asks Rocket.Chat's parent window for a provider
 * login (the old call-*-login relay), and the reply is verified here, server-side, against the
 * provider before anybody is signed in. A reply from the browser is a claim, never a proof.
 */
export const PROVIDERS = ['facebook', 'google', 'twitter'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface SocialConfig {
  providers: Provider[];
  /** How long the page waits for Rocket.Chat's reply (current clients never answer). */
  replyTimeoutMs: number;
  /** Each call to a provider's verification endpoint. */
  verifyTimeoutMs: number;
  autoCreate: boolean;
  linksFile: string;
  facebook?: { appId: string; appSecret: string; debugTokenUrl: string; meUrl: string };
  google?: { clientId: string; tokeninfoUrl: string };
  twitter?: { consumerKey: string; consumerSecret: string; verifyCredentialsUrl: string };
}

/** Who the provider says the user is, after verification. */
export interface SocialIdentity {
  provider: Provider;
  /** The provider's stable user id. */
  id: string;
  /** Only set when the provider vouches that the user controls it. */
  verifiedEmail?: string;
  name?: string;
}

/**
 * Why a reply was refused: a short machine code for the log (operators debug with it). From
 * outside every refusal looks the same.
 */
export class SocialRefused extends Error {
  constructor(
    readonly code: string,
    readonly kind: 'refused' | 'unavailable' = 'refused',
  ) {
    super(`social sign-in refused: ${code}`);
    this.name = 'SocialRefused';
  }
}

export interface SocialVerifier {
  readonly provider: Provider;
  /** The `response` of a `<provider>-login-success` reply; throws SocialRefused. */
  verify(response: unknown): Promise<SocialIdentity>;
}

/** A string field of an untrusted object, or undefined. */
export function field(value: unknown, name: string, maxLength = 4096): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const found = (value as Record<string, unknown>)[name];
  if (typeof found === 'number' && Number.isSafeInteger(found)) return String(found);
  return typeof found === 'string' && found.length > 0 && found.length <= maxLength ? found : undefined;
}
