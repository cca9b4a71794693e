import { HttpStatusCode } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiEndpoint, IApiResponse } from '@rocket.chat/apps-engine/definition/api';

/** The benchmark baseline: the cost of a round trip through the engine and nothing else. */
export class EmptyEndpoint extends ApiEndpoint {
    public override path = 'empty';

    public async get(): Promise<IApiResponse> {
        return { status: HttpStatusCode.OK, content: {} };
    }

    public async post(): Promise<IApiResponse> {
        return { status: HttpStatusCode.OK, content: {} };
    }
}
