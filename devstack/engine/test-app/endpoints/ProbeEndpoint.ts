import { HttpStatusCode, IHttp, IHttpRequest, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiEndpoint, IApiEndpointInfo, IApiRequest, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import { RocketChatAssociationModel, RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';

interface ProbeRequest {
    op?: string;
    url?: string;
    method?: 'get' | 'post' | 'put' | 'del' | 'patch';
    options?: IHttpRequest;
    id?: string;
    name?: string;
    key?: string;
    data?: object;
}

interface TestAppState {
    lastSettingUpdate?: { id: string; value: unknown };
}

/**
 * Lets the engine host's own tests drive one bridge per request, from inside the real
 * runtime: `{op: 'http', url, method?, options?}`, `{op: 'setting', id}`,
 * `{op: 'server-setting', id}`, `{op: 'env', name}`, `{op: 'persist', key, data}`,
 * `{op: 'read', key}`, `{op: 'app-user'}`, `{op: 'user', name}`. Answers 200 with what the App saw, or 500 with the error message.
 */
export class ProbeEndpoint extends ApiEndpoint {
    public override path = 'probe';

    public async post(request: IApiRequest, _endpoint: IApiEndpointInfo, read: IRead, _modify: IModify, http: IHttp, persis: IPersistence): Promise<IApiResponse> {
        const body = (request.content || {}) as ProbeRequest;
        try {
            return { status: HttpStatusCode.OK, content: { result: await this.run(body, read, http, persis) } };
        } catch (error) {
            return { status: HttpStatusCode.INTERNAL_SERVER_ERROR, content: { error: error instanceof Error ? error.message : String(error) } };
        }
    }

    private async run(body: ProbeRequest, read: IRead, http: IHttp, persis: IPersistence): Promise<unknown> {
        const association = new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, `probe:${body.key}`);
        switch (body.op) {
            case 'http': {
                const response = await http[body.method || 'get'](String(body.url), body.options);
                return { statusCode: response.statusCode, headers: response.headers, content: response.content, data: response.data };
            }
            case 'setting':
                return {
                    value: await read.getEnvironmentReader().getSettings().getValueById(String(body.id)),
                    lastSettingUpdate: (this.app as unknown as TestAppState).lastSettingUpdate || null,
                };
            case 'server-setting':
                return { value: await read.getEnvironmentReader().getServerSettings().getValueById(String(body.id)) };
            case 'env':
                return { value: (await read.getEnvironmentReader().getEnvironmentVariables().getValueByName(String(body.name))) || null };
            case 'persist':
                return { id: await persis.updateByAssociation(association, body.data || {}, true) };
            case 'app-user':
                return { user: (await read.getUserReader().getAppUser()) || null };
            case 'user':
                // The test App does not declare user.read: Rocket.Chat denies this one.
                return { user: (await read.getUserReader().getByUsername(String(body.name))) || null };
            case 'read':
                return { records: await read.getPersistenceReader().readByAssociation(association) };
            default:
                throw new Error(`unknown op ${String(body.op)}`);
        }
    }
}
