/** `POST login` — `{assertion}` → a Rocket.Chat login token for the user it names. */
import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiEndpoint, IApiEndpointInfo, IApiRequest, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import type { IApp } from '@rocket.chat/apps-engine/definition/IApp';
import { APP_ENDPOINTS } from '../contract/replies';
import { login } from '../lib/login';
import { requireConfigured } from '../lib/request';
import { requestContext, type EndpointHost } from './host';
import { errorReply, readAssertion, rejectionKey, reply } from './replies';

export class LoginEndpoint extends ApiEndpoint {
  public override path = APP_ENDPOINTS.login;

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
      const loggedIn = await login(assertion, config, this.host, requestContext(this.host, read, http, persistence));
      this.host.pageStatus.stats.recordLogin();
      return reply(200, loggedIn);
    } catch (error) {
      this.host.pageStatus.stats.recordRejection(rejectionKey(error));
      return errorReply(error, this.host, 'login');
    }
  }
}
