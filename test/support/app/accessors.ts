/**
 * Test doubles of the App's accessors, so lib/ and the endpoints run outside the engine:
 * IHttp over real `fetch` (real sockets, real timeouts), App persistence in memory with the
 * engine's association semantics, the setting and server-setting readers, and a logger
 * that keeps every line (tests check that no secret is ever logged).
 */
import type { IHttp, IHttpRequest, IHttpResponse, ILogger, IPersistence, IPersistenceRead, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { RequestMethod } from '@rocket.chat/apps-engine/definition/accessors';
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import { randomUUID } from 'node:crypto';

export class FetchHttp implements IHttp {
  readonly calls: Array<{ method: string; url: string }> = [];

  get(url: string, options?: IHttpRequest): Promise<IHttpResponse> {
    return this.call(RequestMethod.GET, url, options);
  }
  post(url: string, options?: IHttpRequest): Promise<IHttpResponse> {
    return this.call(RequestMethod.POST, url, options);
  }
  put(url: string, options?: IHttpRequest): Promise<IHttpResponse> {
    return this.call(RequestMethod.PUT, url, options);
  }
  del(url: string, options?: IHttpRequest): Promise<IHttpResponse> {
    return this.call(RequestMethod.DELETE, url, options);
  }
  patch(url: string, options?: IHttpRequest): Promise<IHttpResponse> {
    return this.call(RequestMethod.PATCH, url, options);
  }

  /** Like Rocket.Chat's HTTP bridge: `content` is the body as is, `data` is sent as JSON. */
  private async call(method: RequestMethod, url: string, options: IHttpRequest = {}): Promise<IHttpResponse> {
    this.calls.push({ method, url });
    const target = new URL(url);
    for (const [key, value] of Object.entries(options.params ?? {})) target.searchParams.set(key, value);
    const headers = { ...(options.headers ?? {}) };
    let body = options.content;
    if (body === undefined && options.data !== undefined) {
      body = JSON.stringify(options.data);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(target, {
      method: method.toUpperCase(),
      headers,
      body,
      signal: options.timeout ? AbortSignal.timeout(options.timeout) : undefined,
    });
    const content = await response.text();
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch {
      data = undefined;
    }
    const replyHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      replyHeaders[name] = value;
    });
    return { url, method, statusCode: response.status, headers: replyHeaders, content, data };
  }
}

interface StoredRecord {
  id: string;
  data: object;
  associations: Array<{ model: string; id: string }>;
}

const key = (association: RocketChatAssociationRecord) => ({ model: association.getModel(), id: association.getID() });

/** App persistence: records match when they carry every association asked for (AND). */
export class MemoryPersistence implements IPersistence, IPersistenceRead {
  readonly records = new Map<string, StoredRecord>();

  private matching(associations: RocketChatAssociationRecord[]): StoredRecord[] {
    const wanted = associations.map(key);
    return [...this.records.values()].filter((record) => wanted.every((w) => record.associations.some((a) => a.model === w.model && a.id === w.id)));
  }
  private clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
  }

  async create(data: object): Promise<string> {
    return this.createWithAssociations(data, []);
  }
  async createWithAssociation(data: object, association: RocketChatAssociationRecord): Promise<string> {
    return this.createWithAssociations(data, [association]);
  }
  async createWithAssociations(data: object, associations: RocketChatAssociationRecord[]): Promise<string> {
    const id = randomUUID();
    this.records.set(id, { id, data: this.clone(data), associations: associations.map(key) });
    return id;
  }
  async update(id: string, data: object, upsert = false): Promise<string> {
    const record = this.records.get(id);
    if (!record && !upsert) throw new Error(`no record ${id}`);
    this.records.set(id, { id, data: this.clone(data), associations: record?.associations ?? [] });
    return id;
  }
  async updateByAssociation(association: RocketChatAssociationRecord, data: object, upsert = false): Promise<string> {
    return this.updateByAssociations([association], data, upsert);
  }
  async updateByAssociations(associations: RocketChatAssociationRecord[], data: object, upsert = false): Promise<string> {
    const found = this.matching(associations);
    if (found.length === 0) {
      if (!upsert) throw new Error('no record to update');
      return this.createWithAssociations(data, associations);
    }
    for (const record of found) record.data = this.clone(data);
    return found[0]!.id;
  }
  async remove(id: string): Promise<object> {
    const record = this.records.get(id);
    this.records.delete(id);
    return record?.data ?? {};
  }
  async removeByAssociation(association: RocketChatAssociationRecord): Promise<object[]> {
    return this.removeByAssociations([association]);
  }
  async removeByAssociations(associations: RocketChatAssociationRecord[]): Promise<object[]> {
    const found = this.matching(associations);
    for (const record of found) this.records.delete(record.id);
    return found.map((record) => record.data);
  }
  async read(id: string): Promise<object> {
    return this.clone(this.records.get(id)?.data as object);
  }
  async readByAssociation(association: RocketChatAssociationRecord): Promise<object[]> {
    return this.readByAssociations([association]);
  }
  async readByAssociations(associations: RocketChatAssociationRecord[]): Promise<object[]> {
    return this.matching(associations).map((record) => this.clone(record.data));
  }
}

/** The readers the App uses: its settings, the server settings it may read, its persistence. */
export function fakeRead(options: { settings?: Record<string, unknown>; serverSettings?: Record<string, unknown>; persistence?: IPersistenceRead }): IRead {
  const settings = options.settings ?? {};
  const serverSettings = options.serverSettings ?? {};
  const reader = {
    getEnvironmentReader: () => ({
      getSettings: () => ({
        getById: async (id: string) => ({ id, value: settings[id] }),
        getValueById: async (id: string) => settings[id],
      }),
      getServerSettings: () => ({
        getValueById: async (id: string) => {
          if (!(id in serverSettings)) throw new Error(`server setting ${id} not readable`);
          return serverSettings[id];
        },
        getOneById: async (id: string) => ({ id, value: serverSettings[id] }),
        isReadableById: async (id: string) => id in serverSettings,
      }),
      getEnvironmentVariables: () => ({ getValueByName: async () => undefined, isReadable: async () => false, isSet: async () => false }),
    }),
    getPersistenceReader: () => options.persistence ?? new MemoryPersistence(),
  };
  // Only the readers above are used by the App; the rest of IRead stays unimplemented on purpose.
  return reader as unknown as IRead;
}

export class MemoryLogger {
  readonly lines: string[] = [];
  readonly method = 'api' as const;
  private add(level: string, items: unknown[]): void {
    this.lines.push(`${level} ${items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ')}`);
  }
  debug(...items: unknown[]): void {
    this.add('debug', items);
  }
  info(...items: unknown[]): void {
    this.add('info', items);
  }
  log(...items: unknown[]): void {
    this.add('log', items);
  }
  warn(...items: unknown[]): void {
    this.add('warn', items);
  }
  error(...items: unknown[]): void {
    this.add('error', items);
  }
  success(...items: unknown[]): void {
    this.add('success', items);
  }
  getEntries(): [] {
    return [];
  }
  getMethod(): 'api' {
    return 'api';
  }
  getStartTime(): Date {
    return new Date();
  }
  getEndTime(): Date {
    return new Date();
  }
  getTotalTime(): number {
    return 0;
  }
  asLogger(): ILogger {
    return this as unknown as ILogger;
  }
}
