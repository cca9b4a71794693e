/** What the endpoints need from the App: its current configuration, its replay cache and link cache, its log, what status reports. */
import type { IHttp, ILogger, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { RequestContext } from '../lib/request';
import type { LoadedConfig } from '../lib/config';
import type { WiringState } from '../lib/companion/wiring';
import type { PageStatus } from '../lib/status/pageStatus';
import type { LinkCache } from '../lib/store/linkCache';
import type { ReplayCache } from '../lib/store/replayCache';

export interface EndpointHost {
  configuration(read: IRead): Promise<LoadedConfig>;
  readonly replay: ReplayCache;
  readonly links: LinkCache;
  readonly log: ILogger;
  readonly version: string;
  /** The counts and the companion probe `status` reports; `during` runs a call the status line's refresh waits for. */
  readonly pageStatus: Pick<PageStatus, 'stats' | 'probe' | 'during'>;
  wiringState(read: IRead): Promise<WiringState>;
}

/** One request's accessors, as lib/ takes them. */
export function requestContext(host: EndpointHost, read: IRead, http: IHttp, persistence: IPersistence): RequestContext {
  const storage = { read: read.getPersistenceReader(), write: persistence };
  return { read, http, storage, log: host.log, now: Math.floor(Date.now() / 1000) };
}
