/**
 * State in this process's memory: enough for one replica (and for tests). Each kind is bounded:
 * a flood of new keys pushes the least recently written out, never grows memory without limit.
 */
import type { Change, Counters, Records, StateStores, WindowCount } from './types';

interface Held<T> {
  value: T;
  expiresAt: number;
}

/** A Map in write order: re-inserting on each write keeps the least recently written first, out first. */
function boundedMap<V>(maxEntries: number) {
  const entries = new Map<string, V>();
  return {
    entries,
    set(key: string, value: V) {
      entries.delete(key);
      entries.set(key, value);
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
  };
}

export function memoryRecords<T>(maxEntries: number, now: () => number = Date.now): Records<T> & { readonly size: number } {
  const map = boundedMap<Held<T>>(maxEntries);
  const live = (key: string): T | undefined => {
    const held = map.entries.get(key);
    if (held && held.expiresAt <= now()) map.entries.delete(key);
    return held && held.expiresAt > now() ? held.value : undefined;
  };
  const apply = <R>(key: string, change: Change<T, R>, current: T | undefined): R => {
    if (change.next === undefined) map.entries.delete(key);
    else if (change.next !== current) map.set(key, { value: change.next, expiresAt: change.expiresAt ?? now() });
    return change.result;
  };
  return {
    get size() {
      return map.entries.size;
    },
    async get(key) {
      return live(key);
    },
    async put(key, value, expiresAt) {
      map.set(key, { value, expiresAt });
    },
    async take(key) {
      const value = live(key);
      map.entries.delete(key);
      return value;
    },
    async update(key, change) {
      const current = live(key);
      // Synchronous between the read and the write: nothing else of this process comes between.
      return apply(key, change(current), current);
    },
  };
}

export function memoryCounters(maxKeys: number, now: () => number = Date.now): Counters {
  const map = boundedMap<WindowCount>(maxKeys);
  return {
    async hit(key, windowMs) {
      const at = now();
      const current = map.entries.get(key);
      if (current && current.resetAt > at) {
        current.count += 1;
        return { ...current };
      }
      const started: WindowCount = { count: 1, resetAt: Math.floor(at / windowMs) * windowMs + windowMs };
      map.set(key, started);
      return { ...started };
    },
  };
}

/** One store per kind, made on first use: two parts asking for one kind share it. */
export function createMemoryState(now: () => number = Date.now): StateStores {
  const records = new Map<string, Records<object>>();
  const counters = new Map<string, Counters>();
  return {
    where: 'process',
    records<T extends object>(kind: string, options: { maxEntries: number }) {
      if (!records.has(kind)) records.set(kind, memoryRecords<object>(options.maxEntries, now));
      return records.get(kind) as Records<T>;
    },
    counters(kind, options) {
      if (!counters.has(kind)) counters.set(kind, memoryCounters(options.maxKeys, now));
      return counters.get(kind) as Counters;
    },
  };
}
