import type { Deps } from "../deps.js";
import type { Event, EventAction, User } from "../ports/store.js";

const DAY_MS = 86_400_000;

export interface RecordEventInput {
  action: EventAction;
  user?: Pick<User, "pk" | "username" | "email"> | null;
  app?: string;
  context?: Record<string, unknown>;
  clientIp?: string | null;
}

/** authentik stores a small snapshot of the user on the event, not a foreign key. */
export function userSnapshot(user: Pick<User, "pk" | "username" | "email"> | null | undefined): Record<string, unknown> {
  return user ? { pk: user.pk, username: user.username, email: user.email } : {};
}

/**
 * Writes an event (durable first) and enqueues it for the consumer. If enqueueing fails the
 * event is still stored unprocessed and the cleanup cron re-enqueues it (outbox pattern), so
 * a queue outage loses no notifications.
 */
export async function recordEvent(deps: Deps, input: RecordEventInput): Promise<Event> {
  const now = deps.clock.now();
  const event = await deps.store.events.create({
    action: input.action,
    user: userSnapshot(input.user),
    app: input.app ?? "threshold",
    context: input.context ?? {},
    clientIp: input.clientIp ?? null,
    expires: new Date(now.getTime() + deps.config.THRESHOLD_EVENTS_RETENTION_DAYS * DAY_MS),
  });
  try {
    await deps.queue.send({ kind: "event.created", eventId: event.pk });
  } catch (error) {
    deps.logger.warn("event enqueue failed; cron will retry", { event_id: event.pk, error });
  }
  return event;
}
