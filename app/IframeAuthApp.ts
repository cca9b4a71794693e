/**
 * The App: declares the settings page and the three endpoints, and keeps one typed
 * configuration current as settings change. Everything else lives in lib/.
 */
import { IAppAccessors, IConfigurationExtend, ISettingRead, IConfigurationModify, IEnvironmentRead, IHttp, ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility } from '@rocket.chat/apps-engine/definition/api';
import { App } from '@rocket.chat/apps-engine/definition/App';
import { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { LoginEndpoint } from './endpoints/login';
import { LogoutEndpoint } from './endpoints/logout';
import { StatusEndpoint } from './endpoints/status';
import { LoadedConfig, loadConfig } from './lib/config';
import { ReplayCache } from './lib/store/replayCache';
import { settings } from './settings';

export default class IframeAuthApp extends App {
  public readonly replay = new ReplayCache();
  private values?: Map<string, unknown>;
  private loaded?: LoadedConfig;

  constructor(info: IAppInfo, logger: ILogger, accessors: IAppAccessors) {
    super(info, logger, accessors);
  }

  public get log(): ILogger {
    return this.getLogger();
  }

  public get version(): string {
    return this.getVersion();
  }

  /** Parsed once per change; read from the store the first time (e.g. after a restart). */
  public async configuration(read: IRead): Promise<LoadedConfig> {
    if (!this.loaded) await this.reload(read.getEnvironmentReader().getSettings());
    return this.loaded as LoadedConfig;
  }

  public override async onEnable(environment: IEnvironmentRead): Promise<boolean> {
    await this.reload(environment.getSettings());
    return true;
  }

  public override async onSettingUpdated(setting: ISetting, _modify: IConfigurationModify, read: IRead, _http: IHttp): Promise<void> {
    if (!this.values) return this.reload(read.getEnvironmentReader().getSettings());
    this.values.set(setting.id, setting.value ?? setting.packageValue);
    this.apply();
  }

  protected override async extendConfiguration(configuration: IConfigurationExtend): Promise<void> {
    for (const setting of settings) await configuration.settings.provideSetting(setting);
    await configuration.api.provideApi({
      visibility: ApiVisibility.PUBLIC,
      security: ApiSecurity.UNSECURE,
      endpoints: [new LoginEndpoint(this, this), new LogoutEndpoint(this, this), new StatusEndpoint(this, this)],
    });
  }

  private async reload(reader: ISettingRead): Promise<void> {
    const values = new Map<string, unknown>();
    for (const setting of settings) values.set(setting.id, await reader.getValueById(setting.id).catch(() => undefined));
    this.values = values;
    this.apply();
  }

  private apply(): void {
    this.loaded = loadConfig(this.values ?? new Map());
    // Ids and reasons only: loadConfig never puts a setting's value in a problem.
    for (const problem of this.loaded.problems) this.getLogger().warn(`setting ${problem}`);
  }
}
