import type { Config } from '../config';

/** The four Iframe settings, in the order an operator sees them (docs/rocketchat.md). */
export const IFRAME_SETTINGS = ['Accounts_iframe_enabled', 'Accounts_iframe_url', 'Accounts_Iframe_api_url', 'Accounts_Iframe_api_method'] as const;

/** A companion route under PUBLIC_URL, which may carry a path prefix (`https://example.com/chat-auth`). */
export function companionUrl(config: Config, route: string): string {
  const base = config.publicUrl.href.endsWith('/') ? config.publicUrl.href : `${config.publicUrl.href}/`;
  return new URL(route, base).toString();
}

export function settingsUrl(config: Config): string {
  return `${config.rocketChatUrl}/api/v1/settings.public?_id=${IFRAME_SETTINGS.join(',')}`;
}

/** Origin and path only: a query (`?client=...`) or a trailing slash does not make it another page. */
export function samePage(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.replace(/\/$/, '') === y.pathname.replace(/\/$/, '');
  } catch {
    return false;
  }
}

export function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.endsWith('.localhost');
}
