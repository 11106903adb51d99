import type { Deps } from "../deps.js";

export interface CleanupResult {
  sessions: number;
  tokens: number;
  events: number;
  /** Notification deliveries and in-app notifications past event retention. */
  notifications: number;
  /** Events re-enqueued because the consumer never processed them. */
  requeued: number;
}

/** An event still unprocessed this long after it was written is assumed lost by the queue. */
const REQUEUE_AFTER_MS = 5 * 60_000;
const REQUEUE_BATCH = 500;

/**
 * The cleanup cron (every 5 minutes on Workers, a timer on Node): removes expired sessions,
 * expired tokens and events past retention, and re-enqueues events whose enqueue failed or
 * whose message was lost (events are an outbox: written first, enqueued second).
 */
export async function runCleanup(deps: Deps): Promise<CleanupResult> {
  const now = deps.clock.now();
  const retention = new Date(now.getTime() - deps.config.THRESHOLD_EVENTS_RETENTION_DAYS * 86_400_000);
  const [sessions, tokens, events, notifications] = await Promise.all([
    deps.store.sessions.deleteExpired(now),
    deps.store.tokens.deleteExpired(now),
    deps.store.events.deleteExpired(now),
    deps.store.notifications.deleteOlderThan(retention),
  ]);
  const stale = await deps.store.events.listUnprocessed(new Date(now.getTime() - REQUEUE_AFTER_MS), REQUEUE_BATCH);
  let requeued = 0;
  for (const event of stale) {
    try {
      await deps.queue.send({ kind: "event.created", eventId: event.pk });
      requeued++;
    } catch (error) {
      deps.logger.warn("event re-enqueue failed", { event_id: event.pk, error });
      break; // the queue is down: try again on the next run
    }
  }
  const result = { sessions, tokens, events, notifications, requeued };
  deps.logger.info("cleanup finished", { deleted: result });
  return result;
}
