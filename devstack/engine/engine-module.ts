/**
 * The engine's classes, required from the prepared copy (build/engine), never from
 * node_modules: the AppManager checks its storages and bridges with `instanceof` against
 * the classes of the copy it was loaded from. Types come from the installed package (same files).
 */
import { join } from 'node:path';
import type { IPermission } from '@rocket.chat/apps-engine/definition/permissions/IPermission';

export interface EngineModules {
  AppManager: typeof import('@rocket.chat/apps-engine/server/AppManager').AppManager;
  AppStatus: typeof import('@rocket.chat/apps-engine/definition/AppStatus').AppStatus;
  AppStatusUtils: typeof import('@rocket.chat/apps-engine/definition/AppStatus').AppStatusUtils;
  bridges: typeof import('@rocket.chat/apps-engine/server/bridges');
  InternalBridge: typeof import('@rocket.chat/apps-engine/server/bridges/InternalBridge').InternalBridge;
  ListenerBridge: typeof import('@rocket.chat/apps-engine/server/bridges/ListenerBridge').ListenerBridge;
  OAuthAppsBridge: typeof import('@rocket.chat/apps-engine/server/bridges/OAuthAppsBridge').OAuthAppsBridge;
  ThreadBridge: typeof import('@rocket.chat/apps-engine/server/bridges/ThreadBridge').ThreadBridge;
  storage: typeof import('@rocket.chat/apps-engine/server/storage');
  AppSourceStorage: typeof import('@rocket.chat/apps-engine/server/storage/AppSourceStorage').AppSourceStorage;
  settings: typeof import('@rocket.chat/apps-engine/definition/settings');
  users: typeof import('@rocket.chat/apps-engine/definition/users');
}

export function loadEngineModules(engineDir: string): EngineModules {
  const load = <T>(relativePath: string): T => require(join(engineDir, relativePath)) as T;
  enforcePermissions(load);
  const status = load<typeof import('@rocket.chat/apps-engine/definition/AppStatus')>('definition/AppStatus');
  return {
    AppManager: load<typeof import('@rocket.chat/apps-engine/server/AppManager')>('server/AppManager').AppManager,
    AppStatus: status.AppStatus,
    AppStatusUtils: status.AppStatusUtils,
    bridges: load('server/bridges'),
    InternalBridge: load<typeof import('@rocket.chat/apps-engine/server/bridges/InternalBridge')>('server/bridges/InternalBridge').InternalBridge,
    ListenerBridge: load<typeof import('@rocket.chat/apps-engine/server/bridges/ListenerBridge')>('server/bridges/ListenerBridge').ListenerBridge,
    OAuthAppsBridge: load<typeof import('@rocket.chat/apps-engine/server/bridges/OAuthAppsBridge')>('server/bridges/OAuthAppsBridge').OAuthAppsBridge,
    ThreadBridge: load<typeof import('@rocket.chat/apps-engine/server/bridges/ThreadBridge')>('server/bridges/ThreadBridge').ThreadBridge,
    storage: load('server/storage'),
    AppSourceStorage: load<typeof import('@rocket.chat/apps-engine/server/storage/AppSourceStorage')>('server/storage/AppSourceStorage').AppSourceStorage,
    settings: load('definition/settings'),
    users: load('definition/users'),
  };
}

/**
 * The engine grants every permission when NODE_ENV is "test" (as Jest sets it): an App
 * missing a permission in app.json would pass here and fail in Rocket.Chat. Check for
 * real, as in production, against the permissions granted at install.
 */
function enforcePermissions(load: <T>(relativePath: string) => T): void {
  const { AppPermissionManager } = load<typeof import('@rocket.chat/apps-engine/server/managers/AppPermissionManager')>('server/managers/AppPermissionManager');
  const { getPermissionsByAppId } = load<typeof import('@rocket.chat/apps-engine/server/AppManager')>('server/AppManager');
  AppPermissionManager.hasPermission = <P extends IPermission>(appId: string, permission: P): P | undefined =>
    getPermissionsByAppId(appId).find(({ name }) => name === permission.name) as P | undefined;
}
