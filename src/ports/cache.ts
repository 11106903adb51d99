/**
 * Short-lived and derived state (DESIGN §3): flow executions, WebAuthn challenges, rate-limit and
 * reputation counters, replay caches, cached lookups. Losing the cache loses no durable data.
 * Values are JSON-serialisable. Keys are namespaced by the caller (`flow:exec:<id>`, `rl:<ip>`).
 */
export interface Cache {
  /** The value stored under `key`, or `null` when absent or expired. */
  get<T = unknown>(key: string): Promise<T | null>;
  /** Store `value` under `key`, replacing any previous value; expires after `ttlSeconds` when given. */
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  /** Store only when `key` is absent (replay caches, locks). Returns true when this call stored it. */
  setIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** Remove `key` and return its value atomically (single-use state). `null` when absent. */
  take<T = unknown>(key: string): Promise<T | null>;
  /** Remove `key`. Removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Atomically add `by` (default 1) to the integer at `key` and return the new value. A new
   * counter starts at 0 and gets `ttlSeconds` (when given) at creation; later increments keep it.
   */
  incr(key: string, ttlSeconds?: number, by?: number): Promise<number>;
  /** Seconds until `key` expires: -1 when it has no expiry, -2 when it does not exist. */
  ttl(key: string): Promise<number>;
  /** Throws when the backing store is unreachable (readiness check). */
  ping(): Promise<void>;
}
