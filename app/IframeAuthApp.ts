/**
 * The App: declares the settings page and the three endpoints, keeps one typed
 * configuration current as settings change, keeps the settings page's status line current,
 * and hands Rocket.Chat's logout event and the wiring switch to lib/. Everything else lives in lib/.
 */
import { IAppAccessors, IConfigurationExtend, ISettingRead, IConfigurationModify, IEnvironmentRead, IHttp, ILogger, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility } from '@rocket.chat/apps-engine/definition/api';
import { App } from '@rocket.chat/apps-engine/definition/App';
import { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { ISettingUpdateContext } from '@rocket.chat/apps-engine/definition/settings/ISettingUpdateContext';
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
import { missingSettings, statusLine } from './lib/statusLine';
import { StatusSetting } from './lib/statusSetting';
import { LinkCache } from './lib/store/linkCache';
import { ReplayCache } from './lib/store/replayCache';
import { SettingId, settings } from './settings';

export default class IframeAuthApp extends App implements IPostUserLoggedOut {
  public readonly replay = new ReplayCache();
  public readonly links = new LinkCache();
  public readonly stats = new LoginStats();
  public readonly probe = new CompanionProbe();
  private readonly wiring = new IframeWiring();
  private readonly statusSetting = new StatusSetting({
    compute: () => this.statusLine(),
    write: (values) => this.getAccessors().environmentWriter.getSettings().updateSelectOptions(SettingId.Status, values),
    warn: (message) => this.getLogger().warn(message),
    busy: () => this.calls > 0,
  });
  /** App calls running now whose log entries a status write would take (see lib/statusSetting.ts). */
  private calls = 0;
  private backup?: SettingBackup;
  private values?: Map<string, unknown>;
  private loaded?: LoadedConfig;

  constructor(info: IAppInfo, logger: ILogger, accessors: IAppAccessors) {
    super(info, logger, accessors);
    this.stats.onRecord(() => this.statusSetting.activity());
    this.probe.onChange(() => this.statusSetting.changed());
  }

  /** Runs one endpoint call, counted so that a status write waits for it (its log entries stay its own). */
  public async track<T>(work: () => Promise<T>): Promise<T> {
    this.calls += 1;
    try {
      return await work();
    } finally {
      this.calls -= 1;
    }
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
    this.statusSetting.start();
    this.statusSetting.changed();
    return true;
  }

  public override async onDisable(): Promise<void> {
    this.statusSetting.stop();
  }

  /** The status setting is the App's to write: an administrator's save of it keeps what is stored. */
  public override async onPreSettingUpdate(context: ISettingUpdateContext): Promise<ISetting> {
    if (context.newSetting.id !== SettingId.Status) return context.newSetting;
    return this.statusSetting.guard(context.oldSetting, context.newSetting);
  }

  public override async onSettingUpdated(setting: ISetting, modify: IConfigurationModify, read: IRead, http: IHttp): Promise<void> {
    if (setting.id === SettingId.Status) return; // its own refreshes (and guarded admin saves): nothing to reload
    this.calls += 1;
    try {
      if (this.values) {
        this.values.set(setting.id, setting.value ?? setting.packageValue);
        this.apply();
      } else {
        await this.reload(read.getEnvironmentReader().getSettings());
      }
      const { operations } = (await this.configuration(read)).config;
      await this.wiring.settingChanged(setting.id, operations, () => ({ read, http, serverSettings: modify.serverSettings, backup: this.backupStore(), log: this.getLogger() }));
    } finally {
      this.calls -= 1;
      this.statusSetting.changed(); // runs once this call has answered
    }
  }

  public async executePostUserLoggedOut(user: IUser, read: IRead, http: IHttp, persistence: IPersistence, _modify: IModify): Promise<void> {
    this.calls += 1;
    try {
      const { config } = await this.configuration(read);
      const storage = { read: read.getPersistenceReader(), write: persistence };
      await propagateLogout(user.id, config, { http, storage, log: this.getLogger(), now: Math.floor(Date.now() / 1000) });
    } finally {
      this.calls -= 1;
    }
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

  /** The settings page's status line, from the App's own accessors (it runs outside any request). */
  private async statusLine(): Promise<string> {
    const { reader, http } = this.getAccessors();
    const loaded = await this.configuration(reader);
    const { companionUrl } = loaded.config.operations;
    return statusLine({
      missing: await missingSettings(loaded, reader),
      companion: companionUrl === '' ? 'not set' : (await this.probe.reachable(http, companionUrl)) ? 'reachable' : 'unreachable',
      lastLoginAt: this.stats.lastLoginAt,
      counts: this.stats.counts(),
    });
  }

  private async reload(reader: ISettingRead): Promise<void> {
    const values = new Map<string, unknown>();
    for (const setting of settings) {
      if (setting.id !== SettingId.Status) values.set(setting.id, await reader.getValueById(setting.id).catch(() => undefined));
    }
    this.values = values;
    this.apply();
  }

  private apply(): void {
    this.loaded = loadConfig(this.values ?? new Map());
    // Ids and reasons only: loadConfig never puts a setting's value in a problem.
    for (const problem of this.loaded.problems) this.getLogger().warn(`setting ${problem}`);
  }
}
