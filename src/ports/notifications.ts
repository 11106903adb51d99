/**
 * Notifications (authentik's `authentik_events` notification models): rules bound to policies
 * pick events, transports carry them out, deliveries record each attempt so at-least-once queue
 * delivery never sends twice.
 */
import type { User } from "./store.js";

export type NotificationSeverity = "notice" | "warning" | "alert";
export type NotificationTransportMode = "local" | "webhook" | "webhook_slack" | "email";
export type NotificationDeliveryStatus = "pending" | "delivered" | "failed" | "dead";

export interface NotificationTransport {
  /** UUID primary key. */
  pk: string;
  name: string;
  mode: NotificationTransportMode;
  webhookUrl: string;
  /** Extra request headers sent by the webhook modes. */
  webhookHeaders: Record<string, string>;
  /** HMAC secret wrapped with the key store (`notification.webhook_secret`), or null. */
  webhookSecretWrapped: string | null;
  /** Webhook modes: one request per event instead of one per destination user. */
  sendOnce: boolean;
}

export interface NewNotificationTransport {
  name: string;
  mode: NotificationTransportMode;
  webhookUrl?: string;
  webhookHeaders?: Record<string, string>;
  /** Already wrapped (see `src/notifications/admin.ts`, which wraps a plain secret). */
  webhookSecretWrapped?: string | null;
  sendOnce?: boolean;
}

export interface NotificationRule {
  /** UUID primary key, shared with its policy target row: bind policies to this pk. */
  pk: string;
  name: string;
  severity: NotificationSeverity;
  /** Members of this group (and of its descendant groups) are notified. */
  destinationGroupPk: string | null;
  /** Also notify the user the event is about. */
  destinationEventUser: boolean;
  transportPks: string[];
}

export interface NewNotificationRule {
  name: string;
  severity?: NotificationSeverity;
  destinationGroupPk?: string | null;
  destinationEventUser?: boolean;
  transportPks?: string[];
}

/** The in-app notification (authentik's `Notification`, shown by the bell). */
export interface Notification {
  pk: string;
  userPk: number;
  severity: NotificationSeverity;
  body: string;
  eventPk: string | null;
  seen: boolean;
  created: Date;
}

export interface NotificationDelivery {
  pk: string;
  eventPk: string;
  transportPk: string;
  /** Null for a `send_once` delivery. */
  userPk: number | null;
  rulePk: string | null;
  severity: NotificationSeverity;
  status: NotificationDeliveryStatus;
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
}

export interface NewNotificationDelivery {
  eventPk: string;
  transportPk: string;
  userPk: number | null;
  rulePk: string;
  severity: NotificationSeverity;
}

export interface NotificationRepository {
  /** Creates the rule together with its policy target row (one transaction). */
  createRule(rule: NewNotificationRule): Promise<NotificationRule>;
  /** Every rule with its transports, by name. */
  listRules(): Promise<NotificationRule[]>;
  createTransport(transport: NewNotificationTransport): Promise<NotificationTransport>;
  transportByPk(pk: string): Promise<NotificationTransport | null>;
  /** Active members of the group or of any group nested below it, by pk. */
  groupMembers(groupPk: string): Promise<User[]>;
  /**
   * Inserts the deliveries that do not exist yet (unique event × transport × user) and returns
   * every delivery of those keys still `pending` or `failed`, new or not.
   */
  upsertDeliveries(deliveries: NewNotificationDelivery[]): Promise<NotificationDelivery[]>;
  deliveryByPk(pk: string): Promise<NotificationDelivery | null>;
  /** Every delivery of one event, oldest first (admin view, tests). */
  deliveriesOf(eventPk: string): Promise<NotificationDelivery[]>;
  /**
   * Claims a delivery for one attempt: a conditional UPDATE that counts the attempt and holds the
   * row until `lockUntil`. Null when it is finished or another consumer holds it.
   */
  claimDelivery(pk: string, now: Date, lockUntil: Date): Promise<NotificationDelivery | null>;
  markDelivered(pk: string, at: Date): Promise<void>;
  /** Records a failed attempt; `dead` when no attempts are left. */
  markFailed(pk: string, error: string, dead: boolean): Promise<void>;
  /** Creates the in-app notification once per (event, user). */
  createNotification(n: { userPk: number; severity: NotificationSeverity; body: string; eventPk: string | null }): Promise<void>;
  /** Newest first. */
  notificationsOf(userPk: number, opts?: { unseenOnly?: boolean; limit?: number }): Promise<Notification[]>;
  markSeen(userPk: number, pks: string[]): Promise<number>;
  /** Retention: deletes deliveries and notifications created before `before`; returns how many. */
  deleteOlderThan(before: Date): Promise<number>;
}
