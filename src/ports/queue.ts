import type { MailMessage } from "./mailer.js";

/**
 * Background work (DESIGN §1): Cloudflare Queues in production, an in-process queue on the Node
 * host. Delivery is at-least-once, so consumers must be idempotent.
 */
export type QueueMessage =
  /** An event row was written; the consumer processes it (notifications, delivery record). */
  | { kind: "event.created"; eventId: string }
  /** Deliver one email through the configured {@link Mailer} (email stage; retried on SMTP errors). */
  | { kind: "email.send"; message: MailMessage }
  /** Deliver one notification (a `notification_deliveries` row) through its transport; idempotent. */
  | { kind: "notification.deliver"; deliveryId: string }
  /**
   * POST a logout token to an OIDC client's back-channel logout URI (OIDC Back-Channel Logout
   * 1.0); `issuer` as the client knows it, `sid` of the ended browser session. Retried until 2xx.
   */
  | { kind: "oauth2.backchannel_logout"; providerPk: number; userPk: number; sid: string | null; issuer: string };

export interface Queue {
  /** Enqueue one message. Resolves once the queue has accepted it. */
  send(message: QueueMessage): Promise<void>;
}

/** What a consumer returns per message: `ack` done, `retry` try again later (with backoff). */
export type QueueOutcome = "ack" | "retry";
