/**
 * Records which endpoints each App registered, so the host can route
 * /api/apps/public/<appId>/<path> like Rocket.Chat's router does.
 */
import type { ApiBridge } from '@rocket.chat/apps-engine/server/bridges/ApiBridge';
import type { AppApi } from '@rocket.chat/apps-engine/server/managers/AppApi';

export type RoutingApiBridge = ApiBridge & { endpoints(appId: string): ReadonlyArray<AppApi> };

export function createApiBridge(Base: typeof ApiBridge): RoutingApiBridge {
  class RoutingApis extends Base {
    private readonly registered = new Map<string, AppApi[]>();

    endpoints(appId: string): ReadonlyArray<AppApi> {
      return this.registered.get(appId) ?? [];
    }

    protected async registerApi(api: AppApi, appId: string): Promise<void> {
      if (typeof api.endpoint?.path !== 'string') throw new Error('Invalid Api parameter provided, it must be a valid IApi object.');
      this.registered.set(appId, [...this.endpoints(appId), api]);
    }

    protected async unregisterApis(appId: string): Promise<void> {
      this.registered.delete(appId);
    }
  }
  return new RoutingApis();
}
