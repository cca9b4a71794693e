/**
 * The in-memory persistence bridge keeps the query semantics of Rocket.Chat's MongoDB
 * bridge; Apps that pass here must behave the same against a real workspace.
 */
import { join } from 'node:path';
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import { createPersistenceBridge } from '../../devstack/engine/bridges/persistence';
import { loadEngineModules } from '../../devstack/engine/engine-module';
import { prepareRuntime } from '../../devstack/engine/prepare-runtime';

/** The protected methods the engine's do* wrappers call after their permission check. */
interface Store {
  purge(appId: string): Promise<void>;
  create(data: object, appId: string): Promise<string>;
  createWithAssociations(data: object, associations: RocketChatAssociationRecord[], appId: string): Promise<string>;
  readById(id: string, appId: string): Promise<object>;
  readByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[]>;
  remove(id: string, appId: string): Promise<object | undefined>;
  removeByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[] | undefined>;
  update(id: string, data: object, upsert: boolean, appId: string): Promise<string>;
  updateByAssociations(associations: RocketChatAssociationRecord[], data: object, upsert: boolean, appId: string): Promise<string>;
}

/** As the Deno runtime sends them: plain objects. */
const assoc = (model: string, id: string) => ({ model, id }) as unknown as RocketChatAssociationRecord;
const user = assoc('user', 'u1');
const jti = assoc('misc', 'jti:abc');

describe('in-memory persistence bridge', () => {
  let store: Store;
  let RecordClass: typeof RocketChatAssociationRecord;

  beforeAll(async () => {
    const { engineDir } = await prepareRuntime();
    const engine = loadEngineModules(engineDir);
    RecordClass = (require(join(engineDir, 'definition', 'metadata')) as { RocketChatAssociationRecord: typeof RocketChatAssociationRecord }).RocketChatAssociationRecord;
    store = createPersistenceBridge(engine.bridges.PersistenceBridge) as unknown as Store;
  });

  beforeEach(async () => {
    await store.purge('app-a');
    await store.purge('app-b');
  });

  it('creates records with MongoDB-like ids and reads them back by id, per App', async () => {
    const id = await store.create({ a: 1 }, 'app-a');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    await expect(store.readById(id, 'app-a')).resolves.toEqual({ a: 1 });
    await expect(store.readById(id, 'app-b')).resolves.toEqual({});
  });

  it('refuses data that is not an object', async () => {
    await expect(store.create('text' as unknown as object, 'app-a')).rejects.toThrow('must be an object');
  });

  it('reads by associations as $all: records holding every given association', async () => {
    await store.createWithAssociations({ n: 1 }, [user, jti], 'app-a');
    await store.createWithAssociations({ n: 2 }, [user], 'app-a');
    await store.createWithAssociations({ n: 3 }, [user], 'app-b');
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([{ n: 1 }, { n: 2 }]);
    await expect(store.readByAssociations([jti, user], 'app-a')).resolves.toEqual([{ n: 1 }]);
    await expect(store.readByAssociations([], 'app-a')).resolves.toEqual([]);
  });

  it('accepts association records built with the engine class, as Node callers pass them', async () => {
    await store.createWithAssociations({ n: 1 }, [new RecordClass('user' as never, 'u1')], 'app-a');
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([{ n: 1 }]);
  });

  it('hands out copies, so a caller cannot change what is stored', async () => {
    const data = { nested: { v: 1 } };
    await store.createWithAssociations(data, [user], 'app-a');
    data.nested.v = 2;
    const [read] = (await store.readByAssociations([user], 'app-a')) as Array<typeof data>;
    read.nested.v = 3;
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([{ nested: { v: 1 } }]);
  });

  it('removes by id and by associations, returning what was removed', async () => {
    const id = await store.create({ a: 1 }, 'app-a');
    await expect(store.remove(id, 'app-b')).resolves.toBeUndefined();
    await expect(store.remove(id, 'app-a')).resolves.toEqual({ a: 1 });
    await expect(store.remove(id, 'app-a')).resolves.toBeUndefined();

    await store.createWithAssociations({ n: 1 }, [user, jti], 'app-a');
    await store.createWithAssociations({ n: 2 }, [user], 'app-a');
    await expect(store.removeByAssociations([user], 'app-a')).resolves.toEqual([{ n: 1 }, { n: 2 }]);
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([]);
  });

  it('updates by associations on an exact match, upserting only when asked', async () => {
    await expect(store.updateByAssociations([jti], { seen: 1 }, false, 'app-a')).rejects.toThrow('upsert is false');
    const created = await store.updateByAssociations([jti], { seen: 1 }, true, 'app-a');
    await expect(store.updateByAssociations([jti], { seen: 2 }, false, 'app-a')).resolves.toBe(created);
    await expect(store.readByAssociations([jti], 'app-a')).resolves.toEqual([{ seen: 2 }]);
    // A record holding more associations is not an equality match.
    await store.createWithAssociations({ other: true }, [user, jti], 'app-a');
    await store.updateByAssociations([jti], { seen: 3 }, true, 'app-a');
    await expect(store.readByAssociations([jti], 'app-a')).resolves.toEqual([{ seen: 3 }, { other: true }]);
  });

  it('keeps its association index in step with removals by id, by associations and purge', async () => {
    const id = await store.createWithAssociations({ n: 1 }, [user, jti], 'app-a');
    await store.remove(id, 'app-a');
    await expect(store.readByAssociations([jti], 'app-a')).resolves.toEqual([]);
    await expect(store.updateByAssociations([user, jti], { n: 2 }, false, 'app-a')).rejects.toThrow('upsert is false');
    await store.createWithAssociations({ n: 3 }, [user, jti], 'app-a');
    await store.removeByAssociations([jti], 'app-a');
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([]);
    await store.createWithAssociations({ n: 4 }, [user], 'app-a');
    await store.createWithAssociations({ n: 5 }, [user], 'app-b');
    await store.purge('app-a');
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([]);
    await expect(store.readByAssociations([user], 'app-b')).resolves.toEqual([{ n: 5 }]);
  });

  it('updates the first exact match in insertion order, also among records sharing an association', async () => {
    await store.createWithAssociations({ n: 1 }, [user, jti], 'app-a');
    await store.createWithAssociations({ n: 2 }, [user], 'app-a');
    await store.createWithAssociations({ n: 3 }, [user], 'app-a');
    await store.updateByAssociations([user], { n: 4 }, false, 'app-a');
    await expect(store.readByAssociations([user], 'app-a')).resolves.toEqual([{ n: 1 }, { n: 4 }, { n: 3 }]);
    // An empty association list equals only an empty list (records created without associations do not count).
    await store.create({ plain: true }, 'app-a');
    await expect(store.updateByAssociations([], { empty: 1 }, false, 'app-a')).rejects.toThrow('upsert is false');
    await store.createWithAssociations({ empty: 0 }, [], 'app-a');
    await store.updateByAssociations([], { empty: 2 }, false, 'app-a');
    await expect(store.readByAssociations([], 'app-a')).resolves.toEqual([]); // $all of nothing matches nothing
  });

  it('reads by association through an index, as Rocket.Chat\'s apps_persistence: 50,000 jti records do not slow a read', async () => {
    const every = assoc('misc', 'jti:all');
    for (let i = 0; i < 50_000; i += 1) await store.createWithAssociations({ i }, [assoc('misc', `jti:${i}`), every], 'app-a');
    const started = performance.now();
    for (let i = 0; i < 2_000; i += 1) {
      await expect(store.readByAssociations([assoc('misc', `jti:${i * 25}`)], 'app-a')).resolves.toEqual([{ i: i * 25 }]);
    }
    // A scan would check 100 million records here (seconds); the index answers in a few milliseconds.
    expect(performance.now() - started).toBeLessThan(1_500);
    await expect(store.readByAssociations([every, assoc('misc', 'jti:49999')], 'app-a')).resolves.toEqual([{ i: 49_999 }]);
    await expect(store.removeByAssociations([assoc('misc', 'jti:7'), every], 'app-a')).resolves.toEqual([{ i: 7 }]);
    expect(((await store.readByAssociations([every], 'app-a')) as unknown[]).length).toBe(49_999);
  });

  it('does not implement update by id, like Rocket.Chat', async () => {
    const id = await store.create({ a: 1 }, 'app-a');
    await expect(store.update(id, { a: 2 }, true, 'app-a')).rejects.toThrow('Not implemented');
  });
});
