/**
 * Runs our packaged App inside the REAL Apps-Engine (1.59.0) server runtime and its Deno
 * subprocess, with in-memory bridges whose HTTP bridge makes real requests. Used by the
 * engine tests, the benchmark and the demo.
 *
 *   const engine = await startEngine({ settings: {...}, serverSettings: { Site_Url: url } });
 *   const reply = await engine.execute('status', { method: 'GET' });
 *   await engine.close();
 *
 * One engine per process (the engine's own rule: one AppManager): a second startEngine()
 * before close() throws. Install more Apps into the same engine with install().
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { loadEngineModules } from './engine-module';
import { EngineHostRuntime, type ExecuteRequest } from './engine-host';
import { repoRoot } from './paths';
import { prepareRuntime } from './prepare-runtime';
import { createStorages } from './storage';
import type { NetworkFailureStyle } from './bridges/http';
import type { ServerSettingWrite } from './bridges/server-settings';
import type { UserDocument } from './bridges/user-converter';

export { packageTestApp, TEST_APP_ID } from './test-app-package';
export { prepareRuntime } from './prepare-runtime';
export type { NetworkFailureStyle } from './bridges/http';
export type { ServerSettingWrite } from './bridges/server-settings';
export type { UserDocument } from './bridges/user-converter';
export { toAppUser } from './bridges/user-converter';

export interface EngineHostOptions {
  /** Default: <repo>/dist/<nameSlug>_<version>.zip, named from app.json. */
  zipPath?: string;
  /** App setting values applied after install, by setting id; values typed as the setting is (boolean, number, string). */
  settings?: Record<string, unknown>;
  /** Rocket.Chat server settings the server-setting bridge returns, e.g. { Site_Url: 'http://127.0.0.1:3000' }. */
  serverSettings?: Record<string, unknown>;
  /** What the environment bridge exposes (only NODE_ENV, ROOT_URL, INSTANCE_IP and RC_APPS_<APP_ID>_* are readable). */
  env?: Record<string, string>;
  /**
   * Rocket.Chat's `users` collection (the stand-in's, `startRocketChat({ usersCollection })`): the
   * user reader (`user.read`) answers from it, live, converted as Rocket.Chat converts users, and
   * its first admin installs the Apps. Without it the reader knows only the host's bots and admin.
   */
  usersCollection?: ReadonlyArray<UserDocument>;
  /** Runs each slow step of the start under a label (the demo prints them with their timings). */
  step?: StepRunner;
}

/** Runs `work` as the step `label`; the default just runs it. */
export type StepRunner = <T>(label: string, work: () => Promise<T>) => Promise<T>;
const justRun: StepRunner = (_label, work) => work();

export interface EngineReply {
  status: number;
  headers?: Record<string, string>;
  content?: unknown;
}

export interface EngineHost {
  appId: string;
  /**
   * Dispatch like Rocket.Chat does: manager.getApiManager().executeApi(appId, path, request).
   * `appId` defaults to our App's; pass another to reach an App added with install().
   * An unknown path answers 404; an App handler that throws answers 500 with the message.
   */
  execute(path: string, request: ExecuteRequest, appId?: string): Promise<EngineReply>;
  /** Goes through the engine, so the App's onSettingUpdated runs. */
  updateSetting(id: string, value: unknown, appId?: string): Promise<void>;
  /** Raise an Apps-Engine event, e.g. fireEvent('IPostUserLoggedOut', user): runs each listening App's handler; resolves when they are done. */
  fireEvent(event: string, data: unknown): Promise<unknown>;
  /** A user event with a Rocket.Chat user object, converted as Rocket.Chat's listener bridge converts it (as given). */
  fireUserEvent(event: string, user: UserDocument): Promise<unknown>;
  /** Apps' persistence (the in-memory bridge): copies of an App's records (ours by default), and a way to add one. */
  persistence: {
    records(appId?: string): ReadonlyArray<{ id: string; associations?: Array<{ model: string; id: string }>; data: object }>;
    insert(data: object, associations: Array<{ model: string; id: string }>, appId?: string): string;
    /** Removes one record by id, as the App's `persistence.remove` would. */
    remove(id: string, appId?: string): Promise<void>;
  };
  /** Server settings as the Apps have left them, and every write through `server-setting.write`, in order. */
  serverSettings: { current(id: string): unknown; readonly writes: ReadonlyArray<ServerSettingWrite> };
  /** How the HTTP bridge hands the App a network failure: as current Rocket.Chat (`propagate`, the default) or as older versions did. */
  setNetworkFailures(style: NetworkFailureStyle): void;
  /** The engine's status of an App (ours by default), e.g. `manually_enabled`. */
  status(appId?: string): Promise<string>;
  /** Installs a second App (e.g. the test App) in the same manager; returns its id. */
  install(zip: Buffer, settings?: Record<string, unknown>): Promise<string>;
  /** Serve /api/apps/public/<appId>/<path> over real HTTP the way Rocket.Chat does; false if the path is not an app endpoint. */
  handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  logs(): unknown[];
  clearLogs(): void;
  close(): Promise<void>;
}

/** Claimed synchronously, so that two startEngine() calls racing each other cannot both pass. */
let claimed = false;

export async function startEngine(options: EngineHostOptions = {}): Promise<EngineHost> {
  if (claimed) {
    throw new Error('An engine is already running in this process (the Apps-Engine allows one AppManager per process): close() it first, or install() more Apps into it.');
  }
  claimed = true;
  try {
    return await start(options);
  } catch (error) {
    claimed = false;
    throw error;
  }
}

async function start(options: EngineHostOptions): Promise<EngineHost> {
  const step = options.step ?? justRun;
  const zip = readAppZip(options.zipPath ?? defaultZipPath());
  // The first run unpacks the engine and fills Deno's cache (tens of seconds); later ones take a millisecond.
  const prepared = await step('preparing the Apps-Engine runtime', () => prepareRuntime());
  // The engine spawns plain `deno` with only PATH and DENO_DIR taken from this process.
  process.env.PATH = [prepared.denoBinDir, ...(process.env.PATH ?? '').split(':').filter((dir) => dir !== prepared.denoBinDir)].join(':');
  process.env.DENO_DIR = prepared.denoDir;

  const engine = loadEngineModules(prepared.engineDir);
  const runtime = new EngineHostRuntime({
    engine,
    storages: createStorages(engine),
    serverSettings: options.serverSettings ?? {},
    env: options.env ?? {},
    usersCollection: options.usersCollection,
  });
  let appId: string;
  try {
    await step('starting the Apps-Engine', () => runtime.manager.load());
    appId = await step('installing the App', () => runtime.install(zip, options.settings));
  } catch (error) {
    await runtime.close().catch(() => undefined);
    throw error;
  }

  let closed = false;
  return {
    appId,
    execute: (path, request, targetAppId = appId) => runtime.execute(targetAppId, path, request),
    updateSetting: (id, value, targetAppId = appId) => runtime.updateSetting(targetAppId, id, value),
    fireEvent: (event, data) => runtime.fireEvent(event, data),
    fireUserEvent: (event, user) => runtime.fireUserEvent(event, user),
    serverSettings: runtime.bridges.serverSettings,
    persistence: {
      records: (targetAppId = appId) => runtime.bridges.persistence.records(targetAppId),
      insert: (data, associations, targetAppId = appId) => runtime.bridges.persistence.insert(targetAppId, data, associations),
      remove: async (id, targetAppId = appId) => {
        await runtime.bridges.persistence.doRemove(id, targetAppId);
      },
    },
    setNetworkFailures: (style) => {
      runtime.bridges.http.networkFailures = style;
    },
    status: (targetAppId = appId) => runtime.status(targetAppId),
    install: (otherZip, settings) => runtime.install(otherZip, settings),
    handleHttp: (req, res) => runtime.handleHttp(req, res),
    logs: () => runtime.logs(),
    clearLogs: () => runtime.clearLogs(),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await runtime.close();
      } finally {
        claimed = false;
      }
    },
  };
}

function defaultZipPath(): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'app.json'), 'utf8')) as { nameSlug: string; version: string };
  return join(repoRoot, 'dist', `${manifest.nameSlug}_${manifest.version}.zip`);
}

function readAppZip(zipPath: string): Buffer {
  if (!existsSync(zipPath)) throw new Error(`The App package ${zipPath} does not exist: run \`npm run package:app\` first.`);
  return readFileSync(zipPath);
}
