/** What the endpoints need from the App: its current configuration, its replay cache and link cache, its log, what status reports. */
import type { IHttp, ILogger, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { RequestContext } from '../lib/request';
import type { LoadedConfig } from '../lib/config';
import type { CompanionProbe } from '../lib/companion/probe';
import type { WiringState } from '../lib/companion/wiring';
import type { LoginStats } from '../lib/stats';
import type { LinkCache } from '../lib/store/linkCache';
import type { ReplayCache } from '../lib/store/replayCache';

export interface EndpointHost {
  configuration(read: IRead): Promise<LoadedConfig>;
  readonly replay: ReplayCache;
  readonly links: LinkCache;
  readonly log: ILogger;
  readonly version: string;
  readonly stats: LoginStats;
  readonly probe: CompanionProbe;
  wiringState(read: IRead): Promise<WiringState>;
  /** Runs one endpoint call; while any runs, the status setting's write waits (lib/statusSetting.ts). */
  track<T>(work: () => Promise<T>): Promise<T>;
}

/** One request's accessors, as lib/ takes them. */
export function requestContext(host: EndpointHost, read: IRead, http: IHttp, persistence: IPersistence): RequestContext {
  const storage = { read: read.getPersistenceReader(), write: persistence };
  return { read, http, storage, log: host.log, now: Math.floor(Date.now() / 1000) };
}
