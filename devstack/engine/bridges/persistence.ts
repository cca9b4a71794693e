/**
 * The App's persistent storage, in memory, with the query semantics of Rocket.Chat's
 * MongoDB-backed bridge:
 * - readByAssociations / removeByAssociations match records holding ALL the given
 *   associations (`$all`; an empty list matches nothing);
 * - updateByAssociations matches records whose associations list EQUALS the given one
 *   (a plain equality query), replaces `data` of the first match, and upserts on request;
 * - update by id is not implemented by Rocket.Chat (it throws): neither is it here.
 * Records are indexed by association, as Rocket.Chat's `apps_persistence` collection is (an
 * index on `associations`): a read touches the records holding its associations, not every
 * record the App ever stored (thousands of single-use jti records under load).
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

export interface MemoryPersistenceBridge extends PersistenceBridge {
  /** Copies of an App's records, in insertion order. */
  records(appId: string): ReadonlyArray<Readonly<PersistedRecord>>;
  /** A record as the App would have written it (tests: records an App process did not write, e.g. old ones). */
  insert(appId: string, data: object, associations: Array<{ model: string; id: string }>): string;
}

export function createPersistenceBridge(Base: typeof PersistenceBridge): MemoryPersistenceBridge {
  class MemoryPersistence extends Base {
    private readonly store = new Map<string, PersistedRecord>();
    /** App id + association → ids of the records holding it, in insertion order (as the store's). */
    private readonly byAssociation = new Map<string, Set<string>>();

    records(appId: string): ReadonlyArray<Readonly<PersistedRecord>> {
      return [...this.store.values()].filter((record) => record.appId === appId).map((record) => structuredClone(record));
    }

    insert(appId: string, data: object, associations: Array<{ model: string; id: string }>): string {
      return this.add({ appId, associations: normalize(associations as unknown as RocketChatAssociationRecord[]), data: checkedData(data) });
    }

    protected async purge(appId: string): Promise<void> {
      for (const record of this.appRecords(appId)) this.delete(record);
    }

    protected async create(data: object, appId: string): Promise<string> {
      return this.add({ appId, data: checkedData(data) });
    }

    protected async createWithAssociations(data: object, associations: RocketChatAssociationRecord[], appId: string): Promise<string> {
      return this.add({ appId, associations: normalize(associations), data: checkedData(data) });
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
      this.delete(record);
      return record.data;
    }

    protected async removeByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[] | undefined> {
      const matching = this.matchingAll(associations, appId);
      for (const record of matching) this.delete(record);
      return matching.map((record) => record.data);
    }

    protected async update(_id: string, data: object, _upsert: boolean, _appId: string): Promise<string> {
      checkedData(data);
      throw new Error('Not implemented. (Rocket.Chat\'s persistence bridge does not implement update by id: use updateByAssociations.)');
    }

    protected async updateByAssociations(associations: RocketChatAssociationRecord[], data: object, upsert: boolean, appId: string): Promise<string> {
      const wanted = normalize(associations);
      // An empty list equals only an empty list: no index entry to start from, so those are scanned.
      const candidates = wanted.length > 0 ? this.holding(appId, wanted[0]) : this.appRecords(appId);
      const existing = candidates.find((record) => sameAssociations(record.associations, wanted));
      if (existing) {
        existing.data = checkedData(data);
        return existing.id;
      }
      if (!upsert) throw new Error('No record matches these associations (and upsert is false).');
      return this.add({ appId, associations: wanted, data: checkedData(data) });
    }

    private add(record: Omit<PersistedRecord, 'id'>): string {
      // Rocket.Chat's ids are MongoDB ObjectIds: 24 hex characters.
      const id = randomBytes(12).toString('hex');
      this.store.set(id, { id, ...record });
      for (const association of record.associations ?? []) {
        const key = indexKey(record.appId, association);
        let ids = this.byAssociation.get(key);
        if (!ids) this.byAssociation.set(key, (ids = new Set()));
        ids.add(id);
      }
      return id;
    }

    private delete(record: PersistedRecord): void {
      this.store.delete(record.id);
      for (const association of record.associations ?? []) {
        const key = indexKey(record.appId, association);
        const ids = this.byAssociation.get(key);
        ids?.delete(record.id);
        if (ids?.size === 0) this.byAssociation.delete(key);
      }
    }

    /** The App's records holding one association, in insertion order. */
    private holding(appId: string, association: Association): PersistedRecord[] {
      const ids = this.byAssociation.get(indexKey(appId, association));
      return ids ? [...ids].map((id) => this.store.get(id) as PersistedRecord) : [];
    }

    private appRecords(appId: string): PersistedRecord[] {
      return [...this.store.values()].filter((record) => record.appId === appId);
    }

    private matchingAll(associations: RocketChatAssociationRecord[], appId: string): PersistedRecord[] {
      const wanted = normalize(associations);
      if (wanted.length === 0) return [];
      // Start from the rarest association (a record's own key, not the App-wide "every jti" one).
      const [rarest, ...rest] = wanted
        .map((association) => ({ association, count: this.byAssociation.get(indexKey(appId, association))?.size ?? 0 }))
        .sort((a, b) => a.count - b.count);
      const candidates = this.holding(appId, rarest!.association);
      if (rest.length === 0) return candidates;
      return candidates.filter((record) => rest.every(({ association }) => (record.associations ?? []).some((held) => sameAssociation(held, association))));
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

function indexKey(appId: string, association: Association): string {
  return `${appId}\u0000${association.model}\u0000${association.id}`;
}

function sameAssociation(a: Association, b: Association): boolean {
  return a.model === b.model && a.id === b.id;
}

function sameAssociations(held: Association[] | undefined, wanted: Association[]): boolean {
  return held !== undefined && held.length === wanted.length && held.every((association, index) => sameAssociation(association, wanted[index]));
}
