/**
 * The App: declares the settings page and the three endpoints, keeps one typed configuration
 * current as settings change, and hands Rocket.Chat's logout event, the wiring switch and the
 * settings page's status line to lib/. Everything else lives in lib/.
 */
import { IConfigurationExtend, IConfigurationModify, IEnvironmentRead, IHttp, ILogger, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility } from '@rocket.chat/apps-engine/definition/api';
import { App } from '@rocket.chat/apps-engine/definition/App';
import { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { ISettingUpdateContext } from '@rocket.chat/apps-engine/definition/settings/ISettingUpdateContext';
import { IPostUserLoggedOut, IUser } from '@rocket.chat/apps-engine/definition/users';
import { LoginEndpoint } from './endpoints/login';
import { LogoutEndpoint } from './endpoints/logout';
import { StatusEndpoint } from './endpoints/status';
import { propagateLogout } from './lib/companion/logoutPropagation';
import { SettingBackup } from './lib/companion/settingBackup';
import { IframeWiring, WiringState } from './lib/companion/wiring';
import type { LoadedConfig } from './lib/config';
import { CurrentConfig } from './lib/currentConfig';
import { PageStatus } from './lib/status/pageStatus';
import { LinkCache } from './lib/store/linkCache';
import { ReplayCache } from './lib/store/replayCache';
import { SettingId, settings } from './settings';

export default class IframeAuthApp extends App implements IPostUserLoggedOut {
  public readonly replay = new ReplayCache();
  public readonly links = new LinkCache();
  public readonly pageStatus = new PageStatus({ accessors: () => this.getAccessors(), configuration: (read) => this.configuration(read), logger: () => this.getLogger() });
  private readonly current = new CurrentConfig(() => this.getLogger());
  private readonly wiring = new IframeWiring();
  private backup?: SettingBackup;

  public get log(): ILogger {
    return this.getLogger();
  }

  public get version(): string {
    return this.getVersion();
  }

  public configuration(read: IRead): Promise<LoadedConfig> {
    return this.current.get(read);
  }

  public async wiringState(_read: IRead): Promise<WiringState> {
    await this.wiring.recall(this.backupStore());
    return this.wiring.state;
  }

  public override async onEnable(environment: IEnvironmentRead): Promise<boolean> {
    await this.current.reload(environment.getSettings());
    this.pageStatus.start();
    return true;
  }

  public override async onDisable(): Promise<void> {
    this.pageStatus.stop();
  }

  public override async onPreSettingUpdate(context: ISettingUpdateContext): Promise<ISetting> {
    return this.pageStatus.guard(context.oldSetting, context.newSetting);
  }

  public override async onSettingUpdated(setting: ISetting, modify: IConfigurationModify, read: IRead, http: IHttp): Promise<void> {
    if (setting.id === SettingId.Status) return; // its own refreshes (and guarded admin saves): nothing to reload
    try {
      await this.pageStatus.during(async () => {
        await this.current.changed(setting, read);
        const { operations } = (await this.configuration(read)).config;
        await this.wiring.settingChanged(setting.id, operations, () => ({ read, http, serverSettings: modify.serverSettings, backup: this.backupStore(), log: this.getLogger() }));
      });
    } finally {
      this.pageStatus.changed(); // runs once this call has answered
    }
  }

  public async executePostUserLoggedOut(user: IUser, read: IRead, http: IHttp, persistence: IPersistence, _modify: IModify): Promise<void> {
    await this.pageStatus.during(async () => {
      const { config } = await this.configuration(read);
      const storage = { read: read.getPersistenceReader(), write: persistence };
      await propagateLogout(user.id, config, { http, storage, log: this.getLogger(), now: Math.floor(Date.now() / 1000) });
    });
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
}
