import type { Cache } from "../../ports/cache.js";
import type { Clock } from "../../ports/clock.js";
import { decodeValue, encodeValue, incrStep, secondsFromMillis, ttlMillis } from "../redis/codec.js";

/** Options for {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** Time source for expiry; defaults to the system clock. Tests inject a fake one. */
  clock?: Clock;
  /**
   * Upper bound on stored keys (default 10,000). When a write would exceed it, the least
   * recently written keys are evicted first — acceptable, since losing cache state loses no data.
   */
  maxEntries?: number;
}

interface Entry {
  /** The value as JSON text, so callers can never mutate what is stored. */
  json: string;
  /** Epoch milliseconds after which the entry is gone; `undefined` when it never expires. */
  expiresAt: number | undefined;
}

const DEFAULT_MAX_ENTRIES = 10_000;
/** Sweep expired entries every this many writes, so a long-lived Node host does not hoard them. */
const SWEEP_EVERY_WRITES = 1_000;

/**
 * In-process {@link Cache} (the embedded default on the Node host, and the unit-test cache).
 * Web APIs only. Expiry is lazy (checked on access) plus a periodic sweep; every method body is
 * synchronous, so each operation is atomic with respect to other callers in the same isolate.
 */
export function createMemoryCache(opts: MemoryCacheOptions = {}): Cache {
  const clock = opts.clock ?? { now: () => new Date() };
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  const entries = new Map<string, Entry>();
  let writes = 0;

  const now = (): number => clock.now().getTime();

  /** The live entry under `key`, dropping it first when it has expired. */
  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function write(key: string, json: string, expiresAt: number | undefined): void {
    // Re-insert so Map order is write order: the first keys are the eviction candidates.
    entries.delete(key);
    entries.set(key, { json, expiresAt });
    if (++writes % SWEEP_EVERY_WRITES === 0) sweep();
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  }

  function sweep(): void {
    const t = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= t) entries.delete(key);
    }
  }

  function expiry(ttlSeconds: number | undefined): number | undefined {
    return ttlSeconds === undefined ? undefined : now() + ttlMillis(ttlSeconds);
  }

  return {
    async get<T>(key: string): Promise<T | null> {
      return decodeValue<T>(live(key)?.json);
    },
    async set(key, value, ttlSeconds) {
      write(key, encodeValue(value), expiry(ttlSeconds));
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const json = encodeValue(value);
      const expiresAt = expiry(ttlSeconds);
      if (live(key)) return false;
      write(key, json, expiresAt);
      return true;
    },
    async take<T>(key: string): Promise<T | null> {
      const entry = live(key);
      if (entry) entries.delete(key);
      return decodeValue<T>(entry?.json);
    },
    async delete(key) {
      entries.delete(key);
    },
    async incr(key, ttlSeconds, by = 1) {
      const step = incrStep(by);
      const createdExpiry = expiry(ttlSeconds);
      const entry = live(key);
      const current: unknown = entry ? JSON.parse(entry.json) : 0;
      // Same rule as Redis INCRBY: only integers can be incremented.
      if (!Number.isSafeInteger(current)) throw new TypeError(`incr: value at '${key}' is not an integer`);
      const next = (current as number) + step;
      // A new counter gets the TTL; later increments keep the existing expiry (or none).
      write(key, String(next), entry ? entry.expiresAt : createdExpiry);
      return next;
    },
    async ttl(key) {
      const entry = live(key);
      if (!entry) return -2;
      if (entry.expiresAt === undefined) return -1;
      return secondsFromMillis(entry.expiresAt - now());
    },
    async ping() {},
  };
}
