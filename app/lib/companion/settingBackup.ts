/**
 * The wiring's backup kept in a hidden App setting. App persistence would be the natural
 * place, but Apps-Engine 1.59 hands `onSettingUpdated` no IPersistence (only configuration
 * modify, read and http); an App setting survives restarts and is writable there through
 * the App's environment writer. The writer does not wait for the store, so the value is
 * also kept in memory for the rest of this process.
 */
import type { ISettingRead, ISettingUpdater } from '@rocket.chat/apps-engine/definition/accessors';
import { SettingId } from '../../settings';
import { BackupStore, IFRAME_SETTING_IDS, IframeSettings } from './wiring';

export class SettingBackup implements BackupStore {
  /** `null`: known to be empty; `undefined`: not known yet. */
  private cached?: IframeSettings | null;

  constructor(private readonly reader: ISettingRead, private readonly writer: ISettingUpdater) {}

  async load(): Promise<IframeSettings | undefined> {
    if (this.cached === undefined) this.cached = parseBackup(await this.reader.getValueById(SettingId.IframeSettingsBackup).catch(() => ''));
    return this.cached ?? undefined;
  }

  async save(values: IframeSettings): Promise<void> {
    await this.writer.updateValue(SettingId.IframeSettingsBackup, JSON.stringify(values));
    this.cached = { ...values };
  }

  async clear(): Promise<void> {
    await this.writer.updateValue(SettingId.IframeSettingsBackup, '');
    this.cached = null;
  }
}

export function parseBackup(raw: unknown): IframeSettings | null {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    return IFRAME_SETTING_IDS.every((id) => id in value) ? (value as IframeSettings) : null;
  } catch {
    return null;
  }
}
