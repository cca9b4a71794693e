/**
 * One real AppManager with in-memory storages and bridges, Apps installed from zips as
 * an administrator's private upload, requests dispatched as Rocket.Chat dispatches them.
 */
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestMethod } from '@rocket.chat/apps-engine/definition/accessors';
import type { IApiRequest } from '@rocket.chat/apps-engine/definition/api';
import type { AppManager } from '@rocket.chat/apps-engine/server/AppManager';
import type { AppFabricationFulfillment } from '@rocket.chat/apps-engine/server/compiler';
import type { ILoggerStorageEntry } from '@rocket.chat/apps-engine/server/logging';
import { createBridges, type HostBridges } from './bridges';
import { toAppUser, type UserDocument } from './bridges/user-converter';
import type { EngineModules } from './engine-module';
import { handleAppHttp, type ApiCall, type ApiReply } from './http-adapter';
import type { HostStorages } from './storage';

export interface ExecuteRequest {
  method: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  content?: unknown;
}

export interface HostParts {
  engine: EngineModules;
  storages: HostStorages;
  serverSettings: Record<string, unknown>;
  env: Record<string, string>;
  usersCollection?: ReadonlyArray<UserDocument>;
}

const EXIT_WAIT_MS = 5000;

export class EngineHostRuntime {
  readonly manager: AppManager;
  readonly bridges: HostBridges;
  private readonly engine: EngineModules;
  private readonly storages: HostStorages;

  constructor({ engine, storages, serverSettings, env, usersCollection }: HostParts) {
    this.engine = engine;
    this.storages = storages;
    this.bridges = createBridges(engine, { serverSettings, env, usersCollection });
    this.manager = new engine.AppManager({
      metadataStorage: storages.metadata,
      logStorage: storages.logs,
      bridges: this.bridges.all,
      sourceStorage: storages.sources,
    });
  }

  async install(zip: Buffer, settings: Record<string, unknown> = {}): Promise<string> {
    let fulfillment: AppFabricationFulfillment;
    try {
      // Rocket.Chat's upload dialog grants exactly the permissions the App declares in app.json.
      const { info } = await this.manager.getParser().unpackageApp(zip);
      const permissionsGranted = info.permissions?.length ? info.permissions : undefined;
      fulfillment = await this.manager.add(zip, { enable: true, user: this.bridges.users.installer, permissionsGranted });
    } catch (error) {
      throw new Error(`The engine refused the App package: ${describeError(error)}`);
    }
    const app = fulfillment.getApp();
    if (!app) {
      const problem = fulfillment.hasStorageError() ? fulfillment.getStorageError() : JSON.stringify(fulfillment.getAppUserError());
      throw new Error(`Installing the App failed: ${problem}`);
    }
    const appId = app.getID();
    const status = await app.getStatus();
    if (!this.engine.AppStatusUtils.isEnabled(status)) {
      throw new Error(`App ${app.getName()} (${appId}) installed but is "${status}", not enabled. Engine logs:\n${this.describeLogs(appId)}`);
    }
    for (const [id, value] of Object.entries(settings)) await this.updateSetting(appId, id, value);
    return appId;
  }

  async updateSetting(appId: string, id: string, value: unknown): Promise<void> {
    const settingsManager = this.manager.getSettingsManager();
    const known = settingsManager.getAppSettings(appId);
    const current = known[id];
    if (!current) throw new Error(`App ${appId} has no setting "${id}"; its settings are: ${Object.keys(known).join(', ') || '(none)'}.`);
    // The same path as Rocket.Chat's settings REST endpoint: onPreSettingUpdate, storage, onSettingUpdated.
    await settingsManager.updateAppSetting(appId, { ...current, value });
  }

  /**
   * An event as Rocket.Chat raises it: its listener bridge converts the Rocket.Chat object
   * to the Apps-Engine shape and calls the listener manager, which calls every App that
   * declares the interface in app.json `implements`.
   */
  async fireEvent(event: string, data: unknown): Promise<unknown> {
    return this.manager.getListenerManager().executeListener(event as never, data as never);
  }

  /**
   * A user event as Rocket.Chat's listener bridge raises IPostUserLoggedIn/Out: the object it was
   * handed (for a logout, whatever the client sent to logoutCleanUp), converted as given by the
   * users converter, not read from the database.
   */
  async fireUserEvent(event: string, user: UserDocument): Promise<unknown> {
    return this.fireEvent(event, toAppUser(user, this.engine.users));
  }

  async status(appId: string): Promise<string> {
    const app = this.manager.getOneById(appId);
    if (!app) throw new Error(`No App ${appId} is installed.`);
    return app.getStatus();
  }

  async execute(appId: string, path: string, request: ExecuteRequest): Promise<ApiReply> {
    const endpointPath = path.replace(/^\/+/, '');
    if (!this.endpointPaths(appId)?.includes(endpointPath)) return { status: 404 };
    return this.dispatch({
      appId,
      endpointPath,
      method: request.method.toLowerCase(),
      headers: request.headers ?? {},
      query: request.query ?? {},
      params: {},
      content: request.content,
    });
  }

  handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return handleAppHttp({ endpointPaths: (appId) => this.endpointPaths(appId), dispatch: (call) => this.dispatch(call) }, req, res);
  }

  logs(): ILoggerStorageEntry[] {
    return this.storages.logs.all();
  }

  clearLogs(): void {
    this.storages.logs.clear();
  }

  /** Unloads every App, then makes sure each Deno subprocess has really exited. */
  async close(): Promise<void> {
    const apps = await this.manager.get();
    const controllers = apps.map((app) => app.getRuntimeController() as unknown as RuntimeControllerInternals);
    const children = controllers.map((controller) => controller.deno).filter((child): child is ChildProcess => child !== undefined);
    // A message the engine still sends while its subprocess goes down (a timer of an App's, a late
    // answer) fails with EPIPE on the dead pipe; unlistened, that error would end this process.
    for (const child of children) child.stdin?.on('error', () => undefined);
    try {
      await this.manager.unload(true);
    } finally {
      // The engine leaves its liveness watchdog running and does not await the kill.
      for (const controller of controllers) controller.livenessManager?.stop();
      await Promise.all(children.map(waitForExit));
      (this.engine.AppManager as { Instance?: AppManager }).Instance = undefined;
    }
  }

  private endpointPaths(appId: string): string[] | undefined {
    if (!this.manager.getOneById(appId)) return undefined;
    return this.bridges.api.endpoints(appId).map((api) => api.endpoint.path);
  }

  private async dispatch(call: ApiCall): Promise<ApiReply> {
    const request: IApiRequest = {
      method: call.method as RequestMethod,
      headers: call.headers,
      query: call.query,
      params: call.params,
      content: call.content,
      privateHash: call.privateHash,
    };
    try {
      const { status, headers, content } = await this.manager.getApiManager().executeApi(call.appId, call.endpointPath, request);
      return { status, headers, content };
    } catch (error) {
      // Rocket.Chat's router answers 500 with the message when the App's handler throws.
      return { status: 500, content: describeError(error) };
    }
  }

  private describeLogs(appId: string): string {
    return this.logs()
      .filter((entry) => entry.appId === appId)
      .flatMap((entry) => entry.entries.map((line) => `${entry.method} ${line.severity}: ${JSON.stringify(line.args)}`))
      .join('\n');
  }
}

/** The parts of the engine's Deno controller that close() needs; private in its typings. */
interface RuntimeControllerInternals {
  deno?: ChildProcess;
  livenessManager?: { stop(): void };
}

async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WAIT_MS);
  await exited;
  clearTimeout(timer);
}

/** Errors from the Deno side arrive as JSON-RPC error objects, and under Jest Errors may come from another realm. */
function describeError(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}
