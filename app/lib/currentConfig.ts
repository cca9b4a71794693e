/**
 * The App's configuration, kept current: every setting read once, then each change applied as
 * Rocket.Chat announces it, and parsed again (loadConfig) so that requests read a typed value.
 */
import type { ILogger, IRead, ISettingRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { SettingId, settings } from '../settings';
import { LoadedConfig, loadConfig } from './config';

export class CurrentConfig {
  private values?: Map<string, unknown>;
  private loaded?: LoadedConfig;

  constructor(private readonly logger: () => ILogger) {}

  /** Parsed once per change; read from the store the first time (e.g. after a restart). */
  async get(read: IRead): Promise<LoadedConfig> {
    if (!this.loaded) await this.reload(read.getEnvironmentReader().getSettings());
    return this.loaded as LoadedConfig;
  }

  async changed(setting: ISetting, read: IRead): Promise<void> {
    if (this.values) this.apply(this.values.set(setting.id, setting.value ?? setting.packageValue));
    else await this.reload(read.getEnvironmentReader().getSettings());
  }

  async reload(reader: ISettingRead): Promise<void> {
    const values = new Map<string, unknown>();
    for (const setting of settings) {
      if (setting.id !== SettingId.Status) values.set(setting.id, await reader.getValueById(setting.id).catch(() => undefined));
    }
    this.apply(values);
  }

  private apply(values: Map<string, unknown>): void {
    this.values = values;
    this.loaded = loadConfig(values);
    // Ids and reasons only: loadConfig never puts a setting's value in a problem.
    for (const problem of this.loaded.problems) this.logger().warn(`setting ${problem}`);
  }
}
