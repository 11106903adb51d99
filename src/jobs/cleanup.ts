import type { Deps } from "../deps.js";

export interface CleanupResult {
  sessions: number;
  tokens: number;
  events: number;
  /** Notification deliveries and in-app notifications past event retention. */
  notifications: number;
  /** OAuth2 authorization codes, access tokens and refresh tokens a day past their expiry. */
  oauth2: { codes: number; accessTokens: number; refreshTokens: number };
  /** Expired invitations and consents (authentik's `clean_expired_models`). */
  invitations: number;
  consents: number;
  /** Events re-enqueued because the consumer never processed them. */
  requeued: number;
}

/** An event still unprocessed this long after it was written is assumed lost by the queue. */
const REQUEUE_AFTER_MS = 5 * 60_000;
const REQUEUE_BATCH = 500;
/**
 * OAuth2 grants stay a day past their expiry: a used code or rotated refresh token presented
 * again still finds its row then, so the replay revokes what was issued from it (token.ts) even
 * when it comes late. Per run at most this many rows of each kind are deleted (oldest first).
 */
export const OAUTH2_GRACE_MS = 86_400_000;
const OAUTH2_BATCH = 10_000;

/**
 * The cleanup cron (every 5 minutes on Workers, a timer on Node): removes expired sessions,
 * expired API/recovery tokens, expired OAuth2 grants, invitations and consents, and events past
 * retention, and re-enqueues events whose enqueue failed or whose message was lost (events are
 * an outbox: written first, enqueued second).
 */
export async function runCleanup(deps: Deps): Promise<CleanupResult> {
  const now = deps.clock.now();
  const retention = new Date(now.getTime() - deps.config.THRESHOLD_EVENTS_RETENTION_DAYS * 86_400_000);
  const [sessions, tokens, events, notifications, oauth2, invitations, consents] = await Promise.all([
    deps.store.sessions.deleteExpired(now),
    deps.store.tokens.deleteExpired(now),
    deps.store.events.deleteExpired(now),
    deps.store.notifications.deleteOlderThan(retention),
    deps.store.oauth2.deleteExpired(new Date(now.getTime() - OAUTH2_GRACE_MS), OAUTH2_BATCH),
    deps.store.enrollment.deleteExpiredInvitations(now),
    deps.store.enrollment.deleteExpiredConsents(now),
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
  const result = { sessions, tokens, events, notifications, oauth2, invitations, consents, requeued };
  deps.logger.info("cleanup finished", { deleted: result });
  return result;
}
