/** What the endpoints need from the App: its current configuration, its replay cache, its log. */
import type { ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { LoadedConfig } from '../lib/config';
import type { ReplayCache } from '../lib/store/replayCache';

export interface BridgeHost {
  configuration(read: IRead): Promise<LoadedConfig>;
  readonly replay: ReplayCache;
  readonly log: ILogger;
  readonly version: string;
}
