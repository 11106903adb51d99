/**
 * Fixed-window counters on the {@link Cache} (`incr` with a TTL set when the window opens).
 * Losing the cache resets the counters, which is acceptable for throttling (DESIGN §3).
 */
import type { Cache } from "../ports/cache.js";
import { sha256Hex } from "./encoding.js";

export interface RateLimitRule {
  /** Namespace of the counter, e.g. "flow-ip". */
  name: string;
  /** Allowed hits per window; the hit after that is limited. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitState {
  limited: boolean;
  count: number;
  /** True exactly once per window: for the first hit over the limit (report it once). */
  firstOver: boolean;
}

/** Subjects (IPs, usernames) are hashed so keys carry no personal data. */
async function counterKey(rule: RateLimitRule, subject: string): Promise<string> {
  return `rl:${rule.name}:${await sha256Hex(subject)}`;
}

/** Counts one hit for `subject` and says whether it is over the limit. */
export async function hitRateLimit(cache: Cache, rule: RateLimitRule, subject: string): Promise<RateLimitState> {
  const count = await cache.incr(await counterKey(rule, subject), rule.windowSeconds);
  return { limited: count > rule.limit, count, firstOver: count === rule.limit + 1 };
}

/** Whether `subject` is already over the limit, without counting a hit. */
export async function isRateLimited(cache: Cache, rule: RateLimitRule, subject: string): Promise<boolean> {
  const value = await cache.get<number | string>(await counterKey(rule, subject));
  return value !== null && Number(value) >= rule.limit;
}

/** Returns true once per window for `subject` (to write one event per window, not one per hit). */
export async function firstReportInWindow(cache: Cache, rule: RateLimitRule, subject: string): Promise<boolean> {
  return cache.setIfAbsent(`${await counterKey(rule, subject)}:reported`, 1, rule.windowSeconds);
}
