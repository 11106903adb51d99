/**
 * Value and TTL rules shared by every {@link Cache} adapter (memory, ioredis, Upstash), so all
 * backends accept and reject the same inputs.
 */
import type { Cache } from "../../ports/cache.js";

/** JSON text of `value`; throws for values JSON cannot represent (undefined, functions). */
export function encodeValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("cache values must be JSON-serialisable");
  return json;
}

/** The value stored as `json`, or `null` when nothing was stored. */
export function decodeValue<T>(json: string | null | undefined): T | null {
  return json === null || json === undefined ? null : (JSON.parse(json) as T);
}

/**
 * Milliseconds for a TTL given in seconds. Fractional seconds are allowed (stored with millisecond
 * precision, `SET … PX`); zero, negative and non-finite TTLs are programming errors.
 */
export function ttlMillis(ttlSeconds: number): number {
  if (!(Number.isFinite(ttlSeconds) && ttlSeconds > 0)) {
    throw new RangeError(`ttlSeconds must be a positive number, got ${ttlSeconds}`);
  }
  return Math.ceil(ttlSeconds * 1000);
}

/** Checks the `by` argument of {@link Cache.incr}. */
export function incrStep(by: number): number {
  if (!Number.isSafeInteger(by)) throw new RangeError(`incr: 'by' must be an integer, got ${by}`);
  return by;
}

/**
 * {@link Cache.ttl} from a millisecond TTL (`PTTL`): -1 / -2 pass through; a live key rounds up,
 * so it never reports 0 seconds while it still exists (Redis' own `TTL` rounds to nearest).
 */
export function secondsFromMillis(pttl: number): number {
  return pttl < 0 ? pttl : Math.ceil(pttl / 1000);
}
