/**
 * Just enough of a database behind the wire stand-in for flow tests: find / insert / update /
 * delete / createIndexes over in-memory documents, with the operators our modules send
 * (equality, dotted paths, $elemMatch, $regex, $exists, $gt/$gte/$lt/$lte, $ne, $in, $or; $set, $setOnInsert,
 * $inc, $max, $unset, $pull; upsert; findAndModify),
 * unique indexes (optionally case-insensitive, collation strength 2) answering E11000.
 * It is not MongoDB: the live suite (`npm run test:mongo`) is what proves the real thing.
 */
import type { Document } from 'bson';
import { cursorReply, duplicateKeyReply, type CommandHandler, type ReceivedCommand } from './wire-server';

interface Index {
  name: string;
  key: Document;
  unique: boolean;
  caseInsensitive: boolean;
  expireAfterSeconds?: number;
}

export interface FakeDatabase {
  collections: Map<string, Document[]>;
  indexes: Map<string, Index[]>;
  handler: CommandHandler;
  docs(collection: string): Document[];
}

/** A Date from any realm: structuredClone (Node's own) makes Dates that fail a test runner's `instanceof Date`. */
const isDate = (value: unknown): value is Date => Object.prototype.toString.call(value) === '[object Date]';

function get(doc: Document, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Document)[key] : undefined), doc);
}

/** Every value at a path, through arrays, as a multikey index sees them. */
function leaves(value: unknown, keys: string[]): unknown[] {
  if (keys.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, keys));
  if (!value || typeof value !== 'object') return [];
  return leaves((value as Document)[keys[0]], keys.slice(1));
}

function set(doc: Document, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = doc;
  for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Document;
  target[keys[keys.length - 1]] = value;
}

function unset(doc: Document, path: string): void {
  const keys = path.split('.');
  const parent = get(doc, keys.slice(0, -1).join('.'));
  if (keys.length === 1) delete doc[path];
  else if (parent && typeof parent === 'object') delete (parent as Document)[keys[keys.length - 1]];
}

function equal(a: unknown, b: unknown, caseInsensitive: boolean): boolean {
  if (isDate(a) && isDate(b)) return a.getTime() === b.getTime();
  if (caseInsensitive && typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

function matchValue(value: unknown, condition: unknown, ci: boolean): boolean {
  const isOperator = condition && typeof condition === 'object' && !isDate(condition) && Object.keys(condition).some((k) => k.startsWith('$'));
  if (!isOperator) return Array.isArray(value) ? value.some((item) => equal(item, condition, ci)) || equal(value, condition, ci) : equal(value, condition, ci);
  const ops = condition as Document;
  return Object.entries(ops).every(([op, arg]) => {
    if (op === '$options') return true;
    if (op === '$exists') return (value !== undefined) === Boolean(arg);
    if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') return compare(op, value, arg);
    if (op === '$ne') return !equal(value, arg, ci);
    if (op === '$in') return (arg as unknown[]).some((item) => equal(value, item, ci));
    if (op === '$regex') return typeof value === 'string' && new RegExp(String(arg), String(ops.$options ?? '')).test(value);
    if (op === '$elemMatch') return Array.isArray(value) && value.some((item) => matches(item as Document, arg as Document, ci));
    throw new Error(`fake database: operator ${op} not supported`);
  });
}

/** Range operators over numbers or dates, as MongoDB compares like with like (a missing value matches none). */
function compare(op: '$gt' | '$gte' | '$lt' | '$lte', value: unknown, arg: unknown): boolean {
  const bothDates = isDate(value) && isDate(arg);
  if (!bothDates && (typeof value !== 'number' || typeof arg !== 'number')) return false;
  const a = isDate(value) ? value.getTime() : (value as number);
  const b = isDate(arg) ? arg.getTime() : (arg as number);
  return op === '$gt' ? a > b : op === '$gte' ? a >= b : op === '$lt' ? a < b : a <= b;
}

/** Whether a dotted path crosses an array before its last key (`emails.address`). */
function crossesArray(doc: Document, keys: string[]): boolean {
  let value: unknown = doc;
  for (const key of keys.slice(0, -1)) {
    value = value && typeof value === 'object' ? (value as Document)[key] : undefined;
    if (Array.isArray(value)) return true;
  }
  return false;
}

export function matches(doc: Document, filter: Document, ci = false): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$or') return (condition as Document[]).some((branch) => matches(doc, branch, ci));
    const keys = key.split('.');
    // Through an array, MongoDB matches the path against each element (`emails.address`).
    if (crossesArray(doc, keys)) return leaves(doc, keys).some((value) => matchValue(value, condition, ci));
    return matchValue(get(doc, key), condition, ci);
  });
}

function applyUpdate(doc: Document, update: Document, inserting = false): void {
  for (const [path, value] of Object.entries(update.$set ?? {})) set(doc, path, value);
  if (inserting) for (const [path, value] of Object.entries(update.$setOnInsert ?? {})) set(doc, path, value);
  for (const [path, by] of Object.entries(update.$inc ?? {})) set(doc, path, Number(get(doc, path) ?? 0) + Number(by));
  for (const [path, value] of Object.entries(update.$max ?? {})) {
    const current = get(doc, path);
    if (current === undefined || (value as Date | number) > (current as Date | number)) set(doc, path, value);
  }
  for (const path of Object.keys(update.$unset ?? {})) unset(doc, path);
  for (const [path, condition] of Object.entries(update.$pull ?? {})) {
    const list = get(doc, path);
    if (Array.isArray(list)) set(doc, path, list.filter((item) => !matches(item as Document, condition as Document)));
  }
}

function project(doc: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return doc;
  const included = Object.entries(projection).filter(([, v]) => v === 1 || v === true).map(([k]) => k);
  if (included.length === 0) {
    const copy = { ...doc };
    for (const key of Object.keys(projection)) delete copy[key];
    return copy;
  }
  const out: Document = {};
  for (const key of included) if (get(doc, key) !== undefined) set(out, key, get(doc, key));
  if (projection._id !== 0 && doc._id !== undefined) out._id = doc._id;
  return out;
}

export function createFakeDatabase(): FakeDatabase {
  const collections = new Map<string, Document[]>();
  const indexes = new Map<string, Index[]>();
  const docs = (name: string): Document[] => {
    if (!collections.has(name)) collections.set(name, []);
    return collections.get(name) as Document[];
  };

  function violation(collection: string, candidate: Document, except?: Document): Document | undefined {
    for (const index of [{ name: '_id_', key: { _id: 1 }, unique: true, caseInsensitive: false }, ...(indexes.get(collection) ?? [])]) {
      if (!index.unique) continue;
      const fields = Object.keys(index.key);
      const clash = docs(collection).find(
        (doc) =>
          doc !== except &&
          fields.every((f) => leaves(candidate, f.split('.')).some((mine) => mine !== undefined && leaves(doc, f.split('.')).some((theirs) => equal(mine, theirs, index.caseInsensitive)))),
      );
      if (clash) return duplicateKeyReply(collection, index.name, Object.fromEntries(fields.map((f) => [f, leaves(candidate, f.split('.'))[0]])));
    }
    return undefined;
  }

  function run(command: ReceivedCommand): Document | undefined {
    const { name, body } = command;
    const collection = String(body[name]);
    const ci = (body.collation as Document | undefined)?.strength === 2 || ((body.updates as Document[] | undefined)?.[0]?.collation as Document | undefined)?.strength === 2;
    if (name === 'find') {
      const found = docs(collection).filter((doc) => matches(doc, body.filter ?? {}, ci));
      const [sortKey, direction] = Object.entries((body.sort ?? {}) as Document)[0] ?? [];
      if (sortKey) found.sort((a, b) => String(get(a, sortKey)).localeCompare(String(get(b, sortKey))) * Number(direction));
      const limited = body.limit ? found.slice(0, Number(body.limit)) : found;
      return cursorReply(`${command.db}.${collection}`, limited.map((doc) => project(structuredClone(doc), body.projection)));
    }
    if (name === 'insert') {
      for (const doc of body.documents as Document[]) {
        const clash = violation(collection, doc);
        if (clash) return clash;
        docs(collection).push(structuredClone(doc));
      }
      return { n: (body.documents as Document[]).length, ok: 1 };
    }
    if (name === 'update') {
      let n = 0;
      let nModified = 0;
      const upserted: Document[] = [];
      for (const [i, spec] of (body.updates as Document[]).entries()) {
        const target = docs(collection).find((doc) => matches(doc, spec.q, ci));
        if (target) {
          const next = structuredClone(target);
          applyUpdate(next, spec.u);
          const clash = violation(collection, next, target);
          if (clash) return clash;
          Object.keys(target).forEach((key) => delete target[key]);
          Object.assign(target, next);
          n += 1;
          nModified += 1;
        } else if (spec.upsert) {
          const created: Document = Object.fromEntries(Object.entries(spec.q).filter(([, v]) => typeof v !== 'object' || v === null));
          applyUpdate(created, spec.u, true);
          const clash = violation(collection, created);
          if (clash) return clash;
          docs(collection).push(created);
          upserted.push({ index: i, _id: created._id });
          n += 1;
        }
      }
      return { n, nModified, ...(upserted.length ? { upserted } : {}), ok: 1 };
    }
    if (name === 'findAndModify') {
      // findOneAndUpdate / findOneAndDelete: one document, changed and answered in one step.
      const list = docs(collection);
      const target = list.find((doc) => matches(doc, body.query ?? {}, ci));
      if (body.remove) {
        if (target) list.splice(list.indexOf(target), 1);
        return { lastErrorObject: { n: target ? 1 : 0 }, value: target ? project(target, body.fields) : null, ok: 1 };
      }
      const update = body.update as Document;
      if (target) {
        const before = structuredClone(target);
        applyUpdate(target, update);
        return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(structuredClone(body.new ? target : before), body.fields), ok: 1 };
      }
      if (!body.upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      const created: Document = Object.fromEntries(Object.entries(body.query ?? {}).filter(([, v]) => typeof v !== 'object' || v === null));
      applyUpdate(created, update, true);
      const clash = violation(collection, created);
      if (clash) return clash;
      list.push(created);
      return { lastErrorObject: { n: 1, updatedExisting: false, upserted: created._id }, value: body.new ? project(structuredClone(created), body.fields) : null, ok: 1 };
    }
    if (name === 'delete') {
      const list = docs(collection);
      let n = 0;
      for (const spec of body.deletes as Document[]) {
        const at = list.findIndex((doc) => matches(doc, spec.q, ci));
        if (at >= 0) {
          list.splice(at, 1);
          n += 1;
        }
      }
      return { n, ok: 1 };
    }
    if (name === 'aggregate') {
      // Only the pipeline countDocuments sends: [{$match}, {$group: {_id: 1, n: {$sum: 1}}}].
      const match = ((body.pipeline as Document[]).find((stage) => stage.$match)?.$match ?? {}) as Document;
      const n = docs(collection).filter((doc) => matches(doc, match)).length;
      return cursorReply(`${command.db}.${collection}`, n > 0 ? [{ _id: 1, n }] : []);
    }
    if (name === 'listIndexes') {
      const list = (indexes.get(collection) ?? []).map((index) => ({
        v: 2,
        key: index.key,
        name: index.name,
        ...(index.unique ? { unique: true } : {}),
        ...(index.caseInsensitive ? { collation: { locale: 'en', strength: 2 } } : {}),
        ...(index.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.expireAfterSeconds } : {}),
      }));
      return cursorReply(`${command.db}.${collection}`, [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...list]);
    }
    if (name === 'dropDatabase') {
      collections.clear();
      indexes.clear();
      return { ok: 1 };
    }
    if (name === 'createIndexes') {
      const list = indexes.get(collection) ?? [];
      for (const spec of body.indexes as Document[]) {
        if (list.some((index) => index.name === spec.name)) continue;
        list.push({ name: spec.name ?? Object.keys(spec.key).map((k) => `${k}_1`).join('_'), key: spec.key, unique: spec.unique === true, caseInsensitive: spec.collation?.strength === 2, expireAfterSeconds: spec.expireAfterSeconds });
      }
      indexes.set(collection, list);
      return { createdCollectionAutomatically: false, numIndexesBefore: 1, numIndexesAfter: list.length + 1, ok: 1 };
    }
    return undefined;
  }

  return { collections, indexes, handler: run, docs };
}
