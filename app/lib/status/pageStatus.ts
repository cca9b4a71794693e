/**
 * Everything behind the status line on the App's settings page, in one object the App class
 * starts and stops: the login counts, the companion probe, the refreshes of the `status`
 * setting (statusSetting.ts) and the count of App calls running, which a refresh waits for so
 * that its write does not take their log entries.
 */
import type { IAppAccessors, ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { SettingId } from '../../settings';
import { CompanionProbe } from '../companion/probe';
import type { LoadedConfig } from '../config';
import { LoginStats } from './stats';
import { missingSettings, statusLine } from './statusLine';
import { StatusSetting } from './statusSetting';

/** What the status needs from the App: read lazily, since an App's accessors exist only once it runs. */
export interface StatusSource {
  accessors(): IAppAccessors;
  configuration(read: IRead): Promise<LoadedConfig>;
  logger(): ILogger;
}

export class PageStatus {
  readonly stats = new LoginStats();
  readonly probe = new CompanionProbe();
  private readonly setting: StatusSetting;
  private calls = 0;

  constructor(private readonly source: StatusSource) {
    this.setting = new StatusSetting({
      compute: () => this.line(),
      write: (values) => source.accessors().environmentWriter.getSettings().updateSelectOptions(SettingId.Status, values),
      warn: (message) => source.logger().warn(message),
      busy: () => this.calls > 0,
    });
    this.stats.onRecord(() => this.setting.activity());
    this.probe.onChange(() => this.setting.changed());
  }

  /** The App was enabled: write the line soon, even if unchanged. */
  start(): void {
    this.setting.start();
    this.setting.changed();
  }

  stop(): void {
    this.setting.stop();
  }

  /** A setting changed (or the App was reconfigured): refresh once the burst of changes is over. */
  changed(): void {
    this.setting.changed();
  }

  /** onPreSettingUpdate: the status setting is the App's to write; other settings pass as sent. */
  guard(oldSetting: ISetting, newSetting: ISetting): ISetting {
    return newSetting.id === SettingId.Status ? this.setting.guard(oldSetting, newSetting) : newSetting;
  }

  /** Runs one App call; a refresh waits until no call runs. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.calls += 1;
    try {
      return await work();
    } finally {
      this.calls -= 1;
    }
  }

  /** The line, from the App's own accessors (it runs outside any request). */
  private async line(): Promise<string> {
    const { reader, http } = this.source.accessors();
    const loaded = await this.source.configuration(reader);
    const { companionUrl } = loaded.config.operations;
    return statusLine({
      missing: await missingSettings(loaded, reader),
      companion: companionUrl === '' ? 'not set' : (await this.probe.reachable(http, companionUrl)) ? 'reachable' : 'unreachable',
      lastLoginAt: this.stats.lastLoginAt,
      counts: this.stats.counts(),
    });
  }
}
