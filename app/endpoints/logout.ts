/** `POST logout` — `{assertion}` → every Rocket.Chat login token of that user revoked. */
import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiEndpoint, IApiEndpointInfo, IApiRequest, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import type { IApp } from '@rocket.chat/apps-engine/definition/IApp';
import { APP_ENDPOINTS, LogoutReply } from '../contract/replies';
import { logout } from '../lib/logout';
import { requireConfigured } from '../lib/request';
import { requestContext, type EndpointHost } from './host';
import { errorReply, readAssertion, reply } from './replies';

export class LogoutEndpoint extends ApiEndpoint {
  public override path = APP_ENDPOINTS.logout;

  constructor(app: IApp, private readonly host: EndpointHost) {
    super(app);
  }

  public async post(request: IApiRequest, _endpoint: IApiEndpointInfo, read: IRead, _modify: IModify, http: IHttp, persistence: IPersistence): Promise<IApiResponse> {
    return this.host.pageStatus.during(() => this.answer(request, read, http, persistence));
  }

  private async answer(request: IApiRequest, read: IRead, http: IHttp, persistence: IPersistence): Promise<IApiResponse> {
    try {
      const assertion = readAssertion(request);
      const config = requireConfigured(await this.host.configuration(read));
      await logout(assertion, config, this.host.replay, requestContext(this.host, read, http, persistence));
      const revoked: LogoutReply = { revoked: true };
      return reply(200, revoked);
    } catch (error) {
      return errorReply(error, this.host, 'logout');
    }
  }
}
