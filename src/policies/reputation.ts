/**
 * Reputation scores (authentik's `Reputation`): a failed login lowers, a successful one raises
 * the score of the client IP and of the attempted username. authentik keeps one row per
 * (ip, identifier) and sums the rows matching the IP or the username; we keep three cache
 * counters (per IP, per username, per pair) so the same union sum is `ip + username − pair`.
 * Counters expire `REPUTATION_TTL_SECONDS` after their first change, like authentik's rows.
 */
import type { Cache } from "../ports/cache.js";

/** Scores are clamped to ±5. */
export const REPUTATION_LIMIT = 5;
/** authentik's `reputation.expiry` default (one day). */
export const REPUTATION_TTL_SECONDS = 86_400;

export interface ReputationSubject {
  /** Client IP; null when unknown (then only the username counts). */
  ip: string | null;
  /** The username that was attempted (need not exist). */
  username: string | null;
}

const norm = (username: string) => username.toLowerCase();

export function reputationKeys(subject: ReputationSubject): { ip?: string; username?: string; pair?: string } {
  const ip = subject.ip ? `reputation:ip:${subject.ip}` : undefined;
  const username = subject.username ? `reputation:username:${norm(subject.username)}` : undefined;
  const pair = subject.ip && subject.username ? `reputation:pair:${subject.ip}:${norm(subject.username)}` : undefined;
  return { ip, username, pair };
}

/** Adds `by` to a counter, undoing the step when it would leave ±limit (atomic with concurrency). */
async function bump(cache: Cache, key: string, by: number, ttlSeconds: number): Promise<number> {
  const value = await cache.incr(key, ttlSeconds, by);
  if (Math.abs(value) > REPUTATION_LIMIT) return cache.incr(key, ttlSeconds, -by);
  return value;
}

async function update(cache: Cache, subject: ReputationSubject, by: number, ttlSeconds: number): Promise<void> {
  const keys = Object.values(reputationKeys(subject)).filter((k): k is string => !!k);
  await Promise.all(keys.map((k) => bump(cache, k, by, ttlSeconds)));
}

/** A failed login (wrong password, unknown user): −1 for the IP and the username. */
export function recordLoginFailure(cache: Cache, subject: ReputationSubject, ttlSeconds = REPUTATION_TTL_SECONDS): Promise<void> {
  return update(cache, subject, -1, ttlSeconds);
}

/** A successful login: +1 for the IP and the username. */
export function recordLoginSuccess(cache: Cache, subject: ReputationSubject, ttlSeconds = REPUTATION_TTL_SECONDS): Promise<void> {
  return update(cache, subject, 1, ttlSeconds);
}

/** The score the reputation policy compares with its threshold. */
export async function reputationScore(
  cache: Cache,
  subject: ReputationSubject,
  opts: { checkIp: boolean; checkUsername: boolean },
): Promise<number> {
  const keys = reputationKeys(subject);
  const read = async (key: string | undefined) => (key ? Number((await cache.get<number>(key)) ?? 0) : 0);
  const [ip, username, pair] = await Promise.all([
    opts.checkIp ? read(keys.ip) : 0,
    opts.checkUsername ? read(keys.username) : 0,
    opts.checkIp && opts.checkUsername ? read(keys.pair) : 0,
  ]);
  return ip + username - pair;
}
