/**
 * One-click wiring: points Rocket.Chat's four Iframe settings at the companion, and puts
 * back what was there before. Nothing is written unless the companion passed its check and
 * the previous values were saved first, so a typo in `companion_url` cannot lock admins out.
 */
import type { IHttp, IRead, IServerSettingsModify } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { SettingId } from '../../settings';
import type { OperationsConfig } from '../config';
import type { LogSink } from '../rocketchat/client';
import { checkCompanion } from './check';
import { originOf } from './http';

export const IFRAME_SETTING_IDS = ['Accounts_iframe_url', 'Accounts_Iframe_api_url', 'Accounts_Iframe_api_method', 'Accounts_iframe_enabled'] as const;
export type IframeSettingId = (typeof IFRAME_SETTING_IDS)[number];
export type IframeSettings = Record<IframeSettingId, unknown>;

/** Where the values from before the wiring are kept (the App: a hidden setting of its own). */
export interface BackupStore {
  load(): Promise<IframeSettings | undefined>;
  save(values: IframeSettings): Promise<void>;
  clear(): Promise<void>;
}

export interface WiringState {
  state: 'off' | 'wired' | 'failed' | 'restored';
  /** Why the last attempt failed: a short text for operators, never a secret. */
  reason?: string;
  at?: string;
}

export interface WiringContext {
  read: IRead;
  http: IHttp;
  serverSettings: IServerSettingsModify;
  backup: BackupStore;
  log: LogSink & { info(...items: unknown[]): void };
}

export function desiredIframeSettings(companionUrl: string): IframeSettings {
  return {
    Accounts_iframe_url: `${companionUrl}/login`,
    Accounts_Iframe_api_url: `${companionUrl}/api/session`,
    Accounts_Iframe_api_method: 'POST',
    Accounts_iframe_enabled: true,
  };
}

class WiringRefused extends Error {}

export class IframeWiring {
  private current: WiringState = { state: 'off' };

  get state(): WiringState {
    return { ...this.current };
  }

  /** After a restart the memory is empty: a saved backup means the settings are ours. */
  async recall(backup: BackupStore): Promise<void> {
    if (this.current.state === 'off' && (await backup.load())) this.current = { state: 'wired' };
  }

  /** For the App's onSettingUpdated: the switch turns the wiring on or off; a new companion_url re-wires while on. */
  async settingChanged(id: string, operations: OperationsConfig, makeContext: () => WiringContext): Promise<WiringState | undefined> {
    if (id !== SettingId.ManageIframeSettings && !(id === SettingId.CompanionUrl && operations.manageIframeSettings)) return undefined;
    const context = makeContext(); // only now: most setting changes never touch the wiring
    return operations.manageIframeSettings ? this.enable(operations.companionUrl, context) : this.disable(context);
  }

  async enable(companionUrl: string, context: WiringContext): Promise<WiringState> {
    try {
      if (companionUrl === '') throw new WiringRefused('companion_url is not set');
      const origin = originOf(String(await serverSetting(context.read, 'Site_Url').then((setting) => setting.value)));
      if (!origin) throw new WiringRefused('the Site_Url server setting is not an http(s) URL');
      const check = await checkCompanion(context.http, companionUrl, origin);
      if (!check.ok) throw new WiringRefused(`companion check failed: ${check.reason}`);
      const before = await readIframeSettings(context.read);
      // A second enable (e.g. a new companion_url) keeps the values from before the first one.
      if (!(await context.backup.load())) await context.backup.save(valuesOf(before));
      await writeAll(context, before, desiredIframeSettings(companionUrl));
    } catch (error) {
      return this.fail(error, context);
    }
    context.log.info(`iframe wiring: Rocket.Chat's Iframe settings now point at ${companionUrl}`);
    return this.set({ state: 'wired' });
  }

  async disable(context: WiringContext): Promise<WiringState> {
    try {
      const saved = await context.backup.load();
      if (!saved) return this.set({ state: 'off' });
      await writeAll(context, await readIframeSettings(context.read), saved);
      await context.backup.clear();
    } catch (error) {
      return this.fail(error, context);
    }
    context.log.info('iframe wiring: Rocket.Chat\'s previous Iframe settings restored');
    return this.set({ state: 'restored' });
  }

  private fail(error: unknown, context: WiringContext): WiringState {
    const reason = error instanceof WiringRefused ? error.message : `${error instanceof Error ? error.message.slice(0, 200) : 'unknown failure'}`;
    context.log.warn(`iframe wiring: nothing changed — ${reason}`);
    return this.set({ state: 'failed', reason });
  }

  private set(state: WiringState): WiringState {
    this.current = { ...state, at: new Date().toISOString() };
    return this.state;
  }
}

async function serverSetting(read: IRead, id: string): Promise<ISetting> {
  return read.getEnvironmentReader().getServerSettings().getOneById(id);
}

async function readIframeSettings(read: IRead): Promise<Record<IframeSettingId, ISetting>> {
  const entries = await Promise.all(IFRAME_SETTING_IDS.map(async (id) => [id, await serverSetting(read, id)] as const));
  return Object.fromEntries(entries) as Record<IframeSettingId, ISetting>;
}

function valuesOf(settings: Record<IframeSettingId, ISetting>): IframeSettings {
  return Object.fromEntries(IFRAME_SETTING_IDS.map((id) => [id, settings[id].value ?? settings[id].packageValue])) as IframeSettings;
}

/** Enabled last on the way in, so Rocket.Chat never sees iframe auth on with half-written URLs. */
async function writeAll(context: WiringContext, current: Record<IframeSettingId, ISetting>, values: IframeSettings): Promise<void> {
  const order = values.Accounts_iframe_enabled === true ? IFRAME_SETTING_IDS : ([...IFRAME_SETTING_IDS].reverse() as IframeSettingId[]);
  for (const id of order) await context.serverSettings.modifySetting({ ...current[id], value: values[id] });
}
