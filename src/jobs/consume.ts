import type { Deps } from "../deps.js";
import type { QueueMessage, QueueOutcome } from "../ports/queue.js";

/**
 * Queue consumer, shared by the Worker's `queue()` handler and the Node host's in-process queue.
 * At-least-once delivery: processing is idempotent (an event is marked processed once; a
 * redelivered message finds it processed and is acknowledged).
 */
export async function consumeMessage(deps: Deps, message: QueueMessage): Promise<QueueOutcome> {
  switch (message.kind) {
    case "event.created":
      return processEvent(deps, message.eventId);
    default: {
      const unknown: never = message.kind;
      deps.logger.warn("queue message of unknown kind dropped", { kind: unknown });
      return "ack";
    }
  }
}

async function processEvent(deps: Deps, eventId: string): Promise<QueueOutcome> {
  const event = await deps.store.events.byPk(eventId);
  if (!event) return "ack"; // deleted by retention before we got to it
  if (event.processedAt) return "ack"; // duplicate delivery
  // Notification rules and transports plug in here (operations issue); today processing means
  // the event reaches the audit log stream and is marked delivered.
  const first = await deps.store.events.markProcessed(event.pk, deps.clock.now());
  if (first) {
    deps.logger.info("event", {
      event_id: event.pk,
      action: event.action,
      app: event.app,
      user: event.user,
      client_ip: event.clientIp,
    });
  }
  return "ack";
}
