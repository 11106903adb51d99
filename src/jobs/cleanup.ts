import type { Deps } from "../deps.js";

export interface CleanupResult {
  sessions: number;
  tokens: number;
  events: number;
}

/**
 * The cleanup cron (every 5 minutes on Workers, a timer on Node): removes expired sessions,
 * expired tokens and events past retention.
 */
export async function runCleanup(deps: Deps): Promise<CleanupResult> {
  const now = deps.clock.now();
  const [sessions, tokens, events] = await Promise.all([
    deps.store.sessions.deleteExpired(now),
    deps.store.tokens.deleteExpired(now),
    deps.store.events.deleteExpired(now),
  ]);
  const result = { sessions, tokens, events };
  deps.logger.info("cleanup finished", { deleted: result });
  return result;
}
