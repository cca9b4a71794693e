/**
 * The App: declares the settings page and the three endpoints, keeps one typed
 * configuration current as settings change, and hands Rocket.Chat's logout event and the
 * wiring switch to lib/. Everything else lives in lib/.
 */
import { IAppAccessors, IConfigurationExtend, ISettingRead, IConfigurationModify, IEnvironmentRead, IHttp, ILogger, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility } from '@rocket.chat/apps-engine/definition/api';
import { App } from '@rocket.chat/apps-engine/definition/App';
import { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { IPostUserLoggedOut, IUser } from '@rocket.chat/apps-engine/definition/users';
import { LoginEndpoint } from './endpoints/login';
import { LogoutEndpoint } from './endpoints/logout';
import { StatusEndpoint } from './endpoints/status';
import { propagateLogout } from './lib/companion/logoutPropagation';
import { CompanionProbe } from './lib/companion/probe';
import { SettingBackup } from './lib/companion/settingBackup';
import { IframeWiring, WiringState } from './lib/companion/wiring';
import { LoadedConfig, loadConfig } from './lib/config';
import { LoginStats } from './lib/stats';
import { LinkCache } from './lib/store/linkCache';
import { ReplayCache } from './lib/store/replayCache';
import { settings } from './settings';

export default class IframeAuthApp extends App implements IPostUserLoggedOut {
  public readonly replay = new ReplayCache();
  public readonly links = new LinkCache();
  public readonly stats = new LoginStats();
  public readonly probe = new CompanionProbe();
  private readonly wiring = new IframeWiring();
  private backup?: SettingBackup;
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

  public async wiringState(_read: IRead): Promise<WiringState> {
    await this.wiring.recall(this.backupStore());
    return this.wiring.state;
  }

  public override async onEnable(environment: IEnvironmentRead): Promise<boolean> {
    await this.reload(environment.getSettings());
    return true;
  }

  public override async onSettingUpdated(setting: ISetting, modify: IConfigurationModify, read: IRead, http: IHttp): Promise<void> {
    if (this.values) {
      this.values.set(setting.id, setting.value ?? setting.packageValue);
      this.apply();
    } else {
      await this.reload(read.getEnvironmentReader().getSettings());
    }
    const { operations } = (await this.configuration(read)).config;
    await this.wiring.settingChanged(setting.id, operations, () => ({ read, http, serverSettings: modify.serverSettings, backup: this.backupStore(), log: this.getLogger() }));
  }

  public async executePostUserLoggedOut(user: IUser, read: IRead, http: IHttp, persistence: IPersistence, _modify: IModify): Promise<void> {
    const { config } = await this.configuration(read);
    const storage = { read: read.getPersistenceReader(), write: persistence };
    await propagateLogout(user.id, config, { http, storage, log: this.getLogger(), now: Math.floor(Date.now() / 1000) });
  }

  protected override async extendConfiguration(configuration: IConfigurationExtend): Promise<void> {
    for (const setting of settings) await configuration.settings.provideSetting(setting);
    await configuration.api.provideApi({
      visibility: ApiVisibility.PUBLIC,
      security: ApiSecurity.UNSECURE,
      endpoints: [new LoginEndpoint(this, this), new LogoutEndpoint(this, this), new StatusEndpoint(this, this)],
    });
  }

  private backupStore(): SettingBackup {
    const accessors = this.getAccessors();
    this.backup ??= new SettingBackup(accessors.environmentReader.getSettings(), accessors.environmentWriter.getSettings());
    return this.backup;
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
