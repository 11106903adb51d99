import type { Deps } from "../deps.js";
import type { MailMessage } from "../ports/mailer.js";
import type { QueueMessage, QueueOutcome } from "../ports/queue.js";
import { deliverNotification, notifyEvent } from "../notifications/index.js";
import { deliverBackchannelLogout } from "../protocols/oauth2/logout-channels.js";

/**
 * Queue consumer, shared by the Worker's `queue()` handler and the Node host's in-process queue.
 * At-least-once delivery: processing is idempotent (an event is marked processed once; a
 * redelivered message finds it processed and is acknowledged).
 */
export async function consumeMessage(deps: Deps, message: QueueMessage): Promise<QueueOutcome> {
  switch (message.kind) {
    case "event.created":
      return processEvent(deps, message.eventId);
    case "email.send":
      return sendEmail(deps, message.message);
    case "notification.deliver":
      return deliverNotification(deps, message.deliveryId);
    case "oauth2.backchannel_logout":
      return deliverBackchannelLogout(deps, message);
    default: {
      const unknown: never = message;
      deps.logger.warn("queue message of unknown kind dropped", { kind: (unknown as { kind: string }).kind });
      return "ack";
    }
  }
}

async function processEvent(deps: Deps, eventId: string): Promise<QueueOutcome> {
  const event = await deps.store.events.byPk(eventId);
  if (!event) return "ack"; // deleted by retention before we got to it
  if (event.processedAt) return "ack"; // duplicate delivery
  try {
    // Deliveries are unique per (event, transport, user): a redelivered event fans out harmlessly.
    await notifyEvent(deps, event);
  } catch (error) {
    deps.logger.warn("event notification fan-out failed, will retry", { event_id: event.pk, error: error instanceof Error ? error.message : String(error) });
    return "retry";
  }
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

/**
 * Sends one email. SMTP failures are retried by the queue (with backoff, then dead-lettered);
 * a message the mailer refuses outright (bad recipient) is dropped. Redelivery after a lost ack
 * can send a duplicate: acceptable for mail, which SMTP itself delivers at least once.
 */
async function sendEmail(deps: Deps, message: MailMessage): Promise<QueueOutcome> {
  try {
    await deps.mailer.send(message);
  } catch (error) {
    if (error instanceof TypeError) {
      deps.logger.warn("email dropped: rejected by the mailer", { error: error.message });
      return "ack";
    }
    deps.logger.warn("email delivery failed, will retry", { error: error instanceof Error ? error.message : String(error) });
    return "retry";
  }
  return "ack";
}
