/**
 * Rocket.Chat's server settings as the App sees them through `server-setting.read`:
 * values come from the host's options; a setting that is unknown (or marked secret)
 * is "not readable", exactly as Rocket.Chat answers.
 */
import type { ISetting, SettingType } from '@rocket.chat/apps-engine/definition/settings';
import type { ServerSettingBridge } from '@rocket.chat/apps-engine/server/bridges/ServerSettingBridge';
import type { EngineModules } from '../engine-module';

export const DEFAULT_SERVER_SETTINGS: Readonly<Record<string, unknown>> = {
  Site_Url: 'http://localhost:3000',
  Site_Name: 'Rocket.Chat',
  Accounts_iframe_enabled: false,
  Accounts_iframe_url: '',
  Accounts_Iframe_api_url: '',
  Accounts_Iframe_api_method: 'POST',
};

/** What an App wrote through `server-setting.write` (modifySetting / the server settings updater), in order. */
export interface ServerSettingWrite {
  id: string;
  value: unknown;
  appId: string;
}

export type RecordingServerSettingBridge = ServerSettingBridge & {
  readonly writes: ServerSettingWrite[];
  /** The current value, as Rocket.Chat would now hand it out. */
  current(id: string): unknown;
};

export function createServerSettingBridge(engine: EngineModules, values: Record<string, unknown>, secretIds: ReadonlySet<string> = new Set()): RecordingServerSettingBridge {
  const { SettingType } = engine.settings;
  const typeOf = (value: unknown): SettingType =>
    typeof value === 'boolean' ? SettingType.BOOLEAN : typeof value === 'number' ? SettingType.NUMBER : SettingType.STRING;

  class MemoryServerSettings extends engine.bridges.ServerSettingBridge {
    readonly writes: ServerSettingWrite[] = [];

    current(id: string): unknown {
      return this.settings.get(id)?.value;
    }

    private readonly settings = new Map<string, ISetting>(
      Object.entries({ ...DEFAULT_SERVER_SETTINGS, ...values }).map(([id, value]) => [
        id,
        { id, type: typeOf(value), packageValue: value, value, required: false, public: !secretIds.has(id), i18nLabel: id, createdAt: new Date(), updatedAt: new Date() },
      ]),
    );

    protected async getAll(_appId: string): Promise<ISetting[]> {
      return [...this.settings.values()].filter((setting) => !secretIds.has(setting.id)).map((setting) => ({ ...setting }));
    }

    protected async getOneById(id: string, appId: string): Promise<ISetting> {
      return { ...this.readable(id, appId) };
    }

    protected async hideGroup(_name: string, _appId: string): Promise<void> {
      throw new Error('Method not implemented.');
    }

    protected async hideSetting(id: string, appId: string): Promise<void> {
      this.readable(id, appId);
      throw new Error('Method not implemented.');
    }

    protected async isReadableById(id: string, _appId: string): Promise<boolean> {
      return this.settings.has(id) && !secretIds.has(id);
    }

    protected async updateOne(setting: ISetting, appId: string): Promise<void> {
      const current = this.readable(setting.id, appId);
      this.settings.set(setting.id, { ...current, value: setting.value, updatedAt: new Date() });
      this.writes.push({ id: setting.id, value: setting.value, appId });
    }

    protected async incrementValue(id: string, value: number, appId: string): Promise<void> {
      const current = this.readable(id, appId);
      this.settings.set(id, { ...current, value: Number(current.value ?? 0) + value, updatedAt: new Date() });
    }

    private readable(id: string, _appId: string): ISetting {
      const setting = this.settings.get(id);
      if (!setting || secretIds.has(id)) throw new Error(`The setting "${id}" is not readable.`);
      return setting;
    }
  }
  return new MemoryServerSettings();
}
