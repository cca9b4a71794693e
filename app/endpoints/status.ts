/**
 * `GET status` — whether the App is ready to log users in and which settings it lacks, plus
 * login counts since start, the companion's reachability and the wiring state. No secrets.
 */
import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiEndpoint, IApiEndpointInfo, IApiRequest, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import type { IApp } from '@rocket.chat/apps-engine/definition/IApp';
import { APP_ENDPOINTS, StatusReply } from '../contract/replies';
import { missingSettings } from '../lib/status/statusLine';
import type { EndpointHost } from './host';
import { reply } from './replies';

export class StatusEndpoint extends ApiEndpoint {
  public override path = APP_ENDPOINTS.status;

  constructor(app: IApp, private readonly host: EndpointHost) {
    super(app);
  }

  public async get(_request: IApiRequest, _endpoint: IApiEndpointInfo, read: IRead, _modify: IModify, http: IHttp, _persistence?: IPersistence): Promise<IApiResponse> {
    const loaded = await this.host.configuration(read);
    const all = await missingSettings(loaded, read);
    const { companionUrl, manageIframeSettings } = loaded.config.operations;
    const status: StatusReply = {
      configured: all.length === 0,
      missing: all,
      version: this.host.version,
      lastLoginAt: this.host.pageStatus.stats.lastLoginAt,
      counts: this.host.pageStatus.stats.counts(),
      ...(companionUrl !== '' ? { companion: { url: companionUrl, reachable: await this.host.pageStatus.probe.reachable(http, companionUrl) } } : {}),
      wiring: { managed: manageIframeSettings, ...(await this.host.wiringState(read)) },
    };
    return reply(200, status);
  }
}
