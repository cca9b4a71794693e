import type { IframeSettings } from './types';

/** The public server settings the stand-in exposes, under Rocket.Chat's own ids. */
export class Settings {
  private readonly values = new Map<string, unknown>();

  constructor(siteUrl: string, iframe: Partial<IframeSettings>, registration: boolean) {
    this.values.set('Site_Url', siteUrl);
    this.values.set('Accounts_RegistrationForm', registration ? 'Public' : 'Disabled');
    this.values.set('Accounts_TwoFactorAuthentication_Enabled', true);
    this.values.set('Iframe_Restrict_Access', false);
    this.values.set('Iframe_Integration_receive_enable', false);
    this.values.set('Iframe_Integration_receive_origin', '*');
    this.values.set('Accounts_iframe_enabled', false);
    this.values.set('Accounts_iframe_url', '');
    this.values.set('Accounts_Iframe_api_url', '');
    this.values.set('Accounts_Iframe_api_method', 'POST');
    this.values.set('Accounts_Iframe_api_send_content_type', false); // stand-in only: the 7.x preflight variant
    this.setIframe(iframe);
  }

  get(id: string): unknown {
    return this.values.get(id);
  }

  set(id: string, value: unknown): void {
    this.values.set(id, value);
  }

  setIframe(s: Partial<IframeSettings>): void {
    if (s.enabled !== undefined) this.values.set('Accounts_iframe_enabled', s.enabled);
    if (s.url !== undefined) this.values.set('Accounts_iframe_url', s.url);
    if (s.apiUrl !== undefined) this.values.set('Accounts_Iframe_api_url', s.apiUrl);
    if (s.apiMethod !== undefined) this.values.set('Accounts_Iframe_api_method', s.apiMethod);
    if (s.sendContentType !== undefined) this.values.set('Accounts_Iframe_api_send_content_type', s.sendContentType);
  }

  registrationOpen(): boolean {
    return this.values.get('Accounts_RegistrationForm') === 'Public';
  }

  /** settings.public: `{settings: [{_id, value}], count, offset, total}`, optionally filtered by id. */
  publicList(ids?: string[]): Array<{ _id: string; value: unknown }> {
    return [...this.values.entries()].filter(([id]) => !ids || ids.includes(id)).map(([_id, value]) => ({ _id, value }));
  }
}
