/**
 * In-memory stand-ins for what Rocket.Chat keeps in MongoDB collections (apps, app logs,
 * app packages), built on the engine copy's own abstract classes.
 */
import { randomUUID } from 'node:crypto';
import type { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';
import type { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import type { ILoggerStorageEntry } from '@rocket.chat/apps-engine/server/logging';
import type { IMarketplaceInfo } from '@rocket.chat/apps-engine/server/marketplace';
import type { AppLogStorage, AppMetadataStorage, IAppLogStorageFindOptions, IAppStorageItem } from '@rocket.chat/apps-engine/server/storage';
import type { AppSourceStorage } from '@rocket.chat/apps-engine/server/storage/AppSourceStorage';
import type { EngineModules } from './engine-module';

export interface HostStorages {
  metadata: AppMetadataStorage;
  logs: AppLogStorage & { all(): ILoggerStorageEntry[]; clear(): void };
  sources: AppSourceStorage;
}

export function createStorages(engine: EngineModules): HostStorages {
  return {
    metadata: createMetadataStorage(engine.storage.AppMetadataStorage),
    logs: createLogStorage(engine.storage.AppLogStorage),
    sources: createSourceStorage(engine.AppSourceStorage),
  };
}

function createMetadataStorage(Base: typeof AppMetadataStorage): AppMetadataStorage {
  class MemoryMetadataStorage extends Base {
    private readonly items = new Map<string, IAppStorageItem>();

    constructor() {
      super('memory');
    }

    async create(item: IAppStorageItem): Promise<IAppStorageItem> {
      if (this.items.has(item.id)) throw new Error(`App ${item.id} is already installed.`);
      const stored = { ...item, _id: item._id ?? randomUUID(), createdAt: new Date(), updatedAt: new Date() };
      this.items.set(item.id, stored);
      return stored;
    }

    async retrieveOne(id: string): Promise<IAppStorageItem | null> {
      return this.items.get(id) ?? null;
    }

    async retrieveAll(): Promise<Map<string, IAppStorageItem>> {
      return new Map(this.items);
    }

    async retrieveAllPrivate(): Promise<Map<string, IAppStorageItem>> {
      return new Map([...this.items].filter(([, item]) => item.installationSource === 'private'));
    }

    async remove(id: string): Promise<{ success: boolean }> {
      return { success: this.items.delete(id) };
    }

    async updatePartialAndReturnDocument(item: Partial<IAppStorageItem>, options?: { unsetPermissionsGranted?: boolean }): Promise<IAppStorageItem> {
      // Rocket.Chat matches on the document `_id`; some engine calls pass nothing else.
      const existing = [...this.items.values()].find((stored) => (item._id !== undefined && stored._id === item._id) || stored.id === item.id);
      if (!existing) throw new Error(`No App ${String(item.id ?? item._id)} to update.`);
      const updated: IAppStorageItem = { ...existing, ...item, updatedAt: new Date() };
      if (options?.unsetPermissionsGranted) delete updated.permissionsGranted;
      this.items.set(existing.id, updated);
      return updated;
    }

    async updateStatus(id: string, status: AppStatus): Promise<boolean> {
      return this.patchByDocumentId(id, (item) => ({ ...item, status }));
    }

    async updateSetting(id: string, setting: ISetting): Promise<boolean> {
      return this.patchByDocumentId(id, (item) => ({ ...item, settings: { ...item.settings, [setting.id]: setting } }));
    }

    async updateAppInfo(id: string, info: IAppInfo): Promise<boolean> {
      return this.patchByDocumentId(id, (item) => ({ ...item, info }));
    }

    async updateMarketplaceInfo(id: string, marketplaceInfo: IMarketplaceInfo[]): Promise<boolean> {
      return this.patchByDocumentId(id, (item) => ({ ...item, marketplaceInfo }));
    }

    // The engine passes the storage document's `_id` to these, not the App id.
    private patchByDocumentId(documentId: string, patch: (item: IAppStorageItem) => IAppStorageItem): boolean {
      for (const [appId, item] of this.items) {
        if (item._id === documentId || item.id === documentId) {
          this.items.set(appId, { ...patch(item), updatedAt: new Date() });
          return true;
        }
      }
      return false;
    }
  }
  return new MemoryMetadataStorage();
}

/** The engine stores an entry per call: a benchmark would otherwise grow the heap without bound. */
const MAX_LOG_ENTRIES = 10_000;

function createLogStorage(Base: typeof AppLogStorage): HostStorages['logs'] {
  class MemoryLogStorage extends Base {
    private entries: ILoggerStorageEntry[] = [];

    constructor() {
      super('memory');
    }

    all(): ILoggerStorageEntry[] {
      return [...this.entries];
    }

    clear(): void {
      this.entries = [];
    }

    async findPaginated(query: Record<string, unknown>, options?: IAppLogStorageFindOptions): Promise<{ logs: ILoggerStorageEntry[]; total: number }> {
      const matching = this.entries.filter((entry) => typeof query.appId !== 'string' || entry.appId === query.appId);
      const skip = options?.skip ?? 0;
      const logs = matching.slice(skip, options?.limit ? skip + options.limit : undefined);
      return { logs, total: matching.length };
    }

    async storeEntries(logEntry: ILoggerStorageEntry): Promise<ILoggerStorageEntry> {
      this.entries.push(logEntry);
      if (this.entries.length > MAX_LOG_ENTRIES) this.entries.splice(0, this.entries.length - MAX_LOG_ENTRIES);
      return logEntry;
    }

    async getEntriesFor(appId: string): Promise<ILoggerStorageEntry[]> {
      return this.entries.filter((entry) => entry.appId === appId);
    }

    async removeEntriesFor(appId: string): Promise<void> {
      this.entries = this.entries.filter((entry) => entry.appId !== appId);
    }
  }
  return new MemoryLogStorage();
}

function createSourceStorage(Base: typeof AppSourceStorage): AppSourceStorage {
  class MemorySourceStorage extends Base {
    private readonly zips = new Map<string, Buffer>();

    async store(item: IAppStorageItem, zip: Buffer): Promise<string> {
      this.zips.set(item.id, zip);
      return `memory:${item.id}`;
    }

    async fetch(item: IAppStorageItem): Promise<Buffer> {
      const zip = this.zips.get(item.id);
      if (!zip) throw new Error(`No package stored for App ${item.id}.`);
      return zip;
    }

    async update(item: IAppStorageItem, zip: Buffer): Promise<string> {
      return this.store(item, zip);
    }

    async remove(item: IAppStorageItem): Promise<void> {
      this.zips.delete(item.id);
    }
  }
  return new MemorySourceStorage();
}
