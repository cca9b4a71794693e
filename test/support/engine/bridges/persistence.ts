/**
 * The App's persistent storage, in memory, with the query semantics of Rocket.Chat's
 * MongoDB-backed bridge:
 * - readByAssociations / removeByAssociations match records holding ALL the given
 *   associations (`$all`; an empty list matches nothing);
 * - updateByAssociations matches records whose associations list EQUALS the given one
 *   (a plain equality query), replaces `data` of the first match, and upserts on request;
 * - update by id is not implemented by Rocket.Chat (it throws): neither is it here.
 */
import { randomBytes } from 'node:crypto';
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import type { PersistenceBridge } from '@rocket.chat/apps-engine/server/bridges/PersistenceBridge';

interface Association {
  model: string;
  id: string;
}

interface PersistedRecord {
  id: string;
  appId: string;
  associations?: Association[];
  data: object;
}

export type MemoryPersistenceBridge = PersistenceBridge & { records(appId: string): ReadonlyArray<Readonly<PersistedRecord>> };

export function createPersistenceBridge(Base: typeof PersistenceBridge): MemoryPersistenceBridge {
  class MemoryPersistence extends Base {
    private readonly store = new Map<string, PersistedRecord>();

    records(appId: string): ReadonlyArray<Readonly<PersistedRecord>> {
      return [...this.store.values()].filter((record) => record.appId === appId).map((record) => structuredClone(record));
    }

    protected async purge(appId: string): Promise<void> {
      for (const record of this.appRecords(appId)) this.store.delete(record.id);
    }

    protected async create(data: object, appId: string): Promise<string> {
      return this.insert({ appId, data: checkedData(data) });
    }

    protected async createWithAssociations(data: object, associations: RocketChatAssociationRecord[], appId: string): Promise<string> {
      return this.insert({ appId, associations: normalize(associations), data: checkedData(data) });
    }

    protected async readById(id: string, appId: string): Promise<object> {
      const record = this.store.get(id);
      return record?.appId === appId ? structuredClone(record.data) : {};
    }

    protected async readByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[]> {
      return this.matchingAll(associations, appId).map((record) => structuredClone(record.data));
    }

    protected async remove(id: string, appId: string): Promise<object | undefined> {
      const record = this.store.get(id);
      if (record?.appId !== appId) return undefined;
      this.store.delete(id);
      return record.data;
    }

    protected async removeByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[] | undefined> {
      const matching = this.matchingAll(associations, appId);
      for (const record of matching) this.store.delete(record.id);
      return matching.map((record) => record.data);
    }

    protected async update(_id: string, data: object, _upsert: boolean, _appId: string): Promise<string> {
      checkedData(data);
      throw new Error('Not implemented. (Rocket.Chat\'s persistence bridge does not implement update by id: use updateByAssociations.)');
    }

    protected async updateByAssociations(associations: RocketChatAssociationRecord[], data: object, upsert: boolean, appId: string): Promise<string> {
      const wanted = normalize(associations);
      const existing = this.appRecords(appId).find((record) => sameAssociations(record.associations, wanted));
      if (existing) {
        existing.data = checkedData(data);
        return existing.id;
      }
      if (!upsert) throw new Error('No record matches these associations (and upsert is false).');
      return this.insert({ appId, associations: wanted, data: checkedData(data) });
    }

    private insert(record: Omit<PersistedRecord, 'id'>): string {
      // Rocket.Chat's ids are MongoDB ObjectIds: 24 hex characters.
      const id = randomBytes(12).toString('hex');
      this.store.set(id, { id, ...record });
      return id;
    }

    private appRecords(appId: string): PersistedRecord[] {
      return [...this.store.values()].filter((record) => record.appId === appId);
    }

    private matchingAll(associations: RocketChatAssociationRecord[], appId: string): PersistedRecord[] {
      const wanted = normalize(associations);
      if (wanted.length === 0) return [];
      return this.appRecords(appId).filter((record) => wanted.every((association) => (record.associations ?? []).some((held) => sameAssociation(held, association))));
    }
  }
  return new MemoryPersistence();
}

function checkedData(data: unknown): object {
  if (typeof data !== 'object' || data === null) throw new Error('Attempted to store an invalid data type, it must be an object.');
  return structuredClone(data);
}

/** Associations arrive from the Deno process as plain `{model, id}` objects, from Node tests as records. */
function normalize(associations: RocketChatAssociationRecord[] | undefined): Association[] {
  return (associations ?? []).map((association) => {
    const plain = association as unknown as Partial<Association> & Partial<Pick<RocketChatAssociationRecord, 'getModel' | 'getID'>>;
    const model = typeof plain.getModel === 'function' ? plain.getModel() : plain.model;
    const id = typeof plain.getID === 'function' ? plain.getID() : plain.id;
    if (typeof model !== 'string' || typeof id !== 'string') throw new Error(`Invalid association: ${JSON.stringify(association)}`);
    return { model, id };
  });
}

function sameAssociation(a: Association, b: Association): boolean {
  return a.model === b.model && a.id === b.id;
}

function sameAssociations(held: Association[] | undefined, wanted: Association[]): boolean {
  return held !== undefined && held.length === wanted.length && held.every((association, index) => sameAssociation(association, wanted[index]));
}
