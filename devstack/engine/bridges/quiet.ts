/**
 * Bridges whose calls only notify Rocket.Chat's UI or other cluster nodes: nothing to do
 * in a single in-memory host, but they must succeed, as they do in Rocket.Chat.
 */
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import type { AppActivationBridge } from '@rocket.chat/apps-engine/server/bridges/AppActivationBridge';
import type { AppDetailChangesBridge } from '@rocket.chat/apps-engine/server/bridges/AppDetailChangesBridge';
import type { IListenerBridge } from '@rocket.chat/apps-engine/server/bridges/IListenerBridge';
import type { InternalBridge } from '@rocket.chat/apps-engine/server/bridges/InternalBridge';
import type { SchedulerBridge } from '@rocket.chat/apps-engine/server/bridges/SchedulerBridge';
import type { EngineModules } from '../engine-module';

export function createActivationBridge(Base: typeof AppActivationBridge): AppActivationBridge {
  class QuietActivation extends Base {
    protected async appAdded(): Promise<void> {}
    protected async appUpdated(): Promise<void> {}
    protected async appRemoved(): Promise<void> {}
    protected async appStatusChanged(): Promise<void> {}
    protected async actionsChanged(): Promise<void> {}
  }
  return new QuietActivation();
}

export function createDetailChangesBridge(Base: typeof AppDetailChangesBridge): AppDetailChangesBridge {
  class QuietDetailChanges extends Base {
    protected onAppSettingsChange(_appId: string, _setting: ISetting): void {}
  }
  return new QuietDetailChanges();
}

export function createListenerBridge(): IListenerBridge {
  return {
    messageEvent: async () => undefined,
    roomEvent: async () => undefined,
    uiKitInteractionEvent: async () => undefined,
  };
}

export function createInternalBridge(engine: EngineModules): InternalBridge {
  const { SettingType } = engine.settings;
  class QuietInternal extends engine.InternalBridge {
    protected async getUsernamesOfRoomById(): Promise<string[]> {
      return [];
    }

    protected getUsernamesOfRoomByIdSync(): string[] {
      return [];
    }

    // Only marketplace licences are checked against it; private uploads never are.
    protected async getWorkspacePublicKey(): Promise<ISetting> {
      return { id: 'Cloud_Workspace_PublicKey', type: SettingType.STRING, packageValue: '', value: '', required: false, public: false, i18nLabel: 'Cloud_Workspace_PublicKey' };
    }
  }
  return new QuietInternal();
}

/** No jobs ever run here; cancelling them (the engine does at uninstall) must still succeed. */
export function createSchedulerBridge(Base: typeof SchedulerBridge): SchedulerBridge {
  class QuietScheduler extends Base {
    protected async registerProcessors(): Promise<string[]> {
      return [];
    }

    protected async scheduleOnce(): Promise<string> {
      throw new Error('Scheduling jobs is not supported by the engine host (devstack/engine).');
    }

    protected async scheduleRecurring(): Promise<string> {
      throw new Error('Scheduling jobs is not supported by the engine host (devstack/engine).');
    }

    protected async cancelJob(): Promise<void> {}
    protected async cancelAllJobs(): Promise<void> {}
  }
  return new QuietScheduler();
}
