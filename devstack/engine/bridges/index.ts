/**
 * The host's side of every bridge the engine asks for. The ones a login flow touches are
 * real (HTTP over sockets) or in memory; the rest fail loudly when called.
 */
import type { AppBridges } from '@rocket.chat/apps-engine/server/bridges';
import type { EngineModules } from '../engine-module';
import { createApiBridge, type RoutingApiBridge } from './api';
import { createEnvironmentBridge } from './environment';
import { createFederationBridge } from './federation';
import { createHttpBridge, type HostHttpBridge } from './http';
import { createPersistenceBridge, type MemoryPersistenceBridge } from './persistence';
import { createActivationBridge, createDetailChangesBridge, createInternalBridge, createListenerBridge, createSchedulerBridge } from './quiet';
import { createServerSettingBridge, type RecordingServerSettingBridge } from './server-settings';
import { createUnsupportedBridge } from './unsupported';
import type { UserDocument } from './user-converter';
import { createUserBridge, type MemoryUserBridge } from './users';

export interface BridgeOptions {
  serverSettings: Record<string, unknown>;
  env: Record<string, string>;
  /** Rocket.Chat's `users` collection, for the user reader; without it the host knows only its bots and installer. */
  usersCollection?: ReadonlyArray<UserDocument>;
}

export interface HostBridges {
  all: AppBridges;
  api: RoutingApiBridge;
  users: MemoryUserBridge;
  persistence: MemoryPersistenceBridge;
  serverSettings: RecordingServerSettingBridge;
  http: HostHttpBridge;
}

export function createBridges(engine: EngineModules, options: BridgeOptions): HostBridges {
  const b = engine.bridges;
  const api = createApiBridge(b.ApiBridge);
  const users = createUserBridge(engine, options.usersCollection);
  const persistence = createPersistenceBridge(b.PersistenceBridge);
  const serverSettings = createServerSettingBridge(engine, options.serverSettings);
  const http = createHttpBridge(b.HttpBridge);
  const instances = {
    api,
    activation: createActivationBridge(b.AppActivationBridge),
    details: createDetailChangesBridge(b.AppDetailChangesBridge),
    environment: createEnvironmentBridge(b.EnvironmentalVariableBridge, options.env),
    http,
    federation: createFederationBridge(),
    internal: createInternalBridge(engine),
    listener: createListenerBridge(),
    persistence,
    scheduler: createSchedulerBridge(b.SchedulerBridge),
    serverSettings,
    users,
    cloud: createUnsupportedBridge(b.CloudWorkspaceBridge, 'CloudWorkspaceBridge'),
    command: createUnsupportedBridge(b.CommandBridge, 'CommandBridge'),
    contact: createUnsupportedBridge(b.ContactBridge, 'ContactBridge'),
    email: createUnsupportedBridge(b.EmailBridge, 'EmailBridge'),
    experimental: createUnsupportedBridge(b.ExperimentalBridge, 'ExperimentalBridge'),
    livechat: createUnsupportedBridge(b.LivechatBridge, 'LivechatBridge'),
    message: createUnsupportedBridge(b.MessageBridge, 'MessageBridge'),
    moderation: createUnsupportedBridge(b.ModerationBridge, 'ModerationBridge'),
    oauthApps: createUnsupportedBridge(engine.OAuthAppsBridge, 'OAuthAppsBridge'),
    outbound: createUnsupportedBridge(b.OutboundMessageBridge, 'OutboundMessageBridge'),
    role: createUnsupportedBridge(b.RoleBridge, 'RoleBridge'),
    room: createUnsupportedBridge(b.RoomBridge, 'RoomBridge'),
    thread: createUnsupportedBridge(engine.ThreadBridge, 'ThreadBridge'),
    uiInteraction: createUnsupportedBridge(b.UiInteractionBridge, 'UiInteractionBridge'),
    upload: createUnsupportedBridge(b.UploadBridge, 'UploadBridge'),
    videoConference: createUnsupportedBridge(b.VideoConferenceBridge, 'VideoConferenceBridge'),
  };

  class HostAppBridges extends b.AppBridges {
    getApiBridge() {
      return instances.api;
    }
    getAppActivationBridge() {
      return instances.activation;
    }
    getAppDetailChangesBridge() {
      return instances.details;
    }
    getCloudWorkspaceBridge() {
      return instances.cloud;
    }
    getCommandBridge() {
      return instances.command;
    }
    getContactBridge() {
      return instances.contact;
    }
    getEmailBridge() {
      return instances.email;
    }
    getEnvironmentalVariableBridge() {
      return instances.environment;
    }
    getExperimentalBridge() {
      return instances.experimental;
    }
    getHttpBridge() {
      return instances.http;
    }
    getInternalBridge() {
      return instances.internal;
    }
    getInternalFederationBridge() {
      return instances.federation;
    }
    getListenerBridge() {
      return instances.listener;
    }
    getLivechatBridge() {
      return instances.livechat;
    }
    getMessageBridge() {
      return instances.message;
    }
    getModerationBridge() {
      return instances.moderation;
    }
    getOAuthAppsBridge() {
      return instances.oauthApps;
    }
    getOutboundMessageBridge() {
      return instances.outbound;
    }
    getPersistenceBridge() {
      return instances.persistence;
    }
    getRoleBridge() {
      return instances.role;
    }
    getRoomBridge() {
      return instances.room;
    }
    getSchedulerBridge() {
      return instances.scheduler;
    }
    getServerSettingBridge() {
      return instances.serverSettings;
    }
    getThreadBridge() {
      return instances.thread;
    }
    getUiInteractionBridge() {
      return instances.uiInteraction;
    }
    getUploadBridge() {
      return instances.upload;
    }
    getUserBridge() {
      return instances.users;
    }
    getVideoConferenceBridge() {
      return instances.videoConference;
    }
  }

  return { all: new HostAppBridges(), api, users, persistence, serverSettings, http };
}
