import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { groups } from "./groups.js";
import { policyBindingModels } from "./policies.js";
import { users } from "./users.js";

/** authentik's `NotificationSeverity`. */
export const notificationSeverity = pgEnum("notification_severity", ["notice", "warning", "alert"]);

/** authentik's `TransportMode`. */
export const notificationTransportMode = pgEnum("notification_transport_mode", [
  "local",
  "webhook",
  "webhook_slack",
  "email",
]);

/** Outcome of one delivery: `dead` = gave up after the maximum number of attempts (dead letter). */
export const notificationDeliveryStatus = pgEnum("notification_delivery_status", [
  "pending",
  "delivered",
  "failed",
  "dead",
]);

/** authentik_events.notificationtransport: how a notification leaves the system. */
export const notificationTransports = pgTable("notification_transports", {
  transportUuid: uuid("transport_uuid").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  mode: notificationTransportMode("mode").notNull().default("local"),
  webhookUrl: text("webhook_url").notNull().default(""),
  /** Extra request headers for webhook modes. */
  webhookHeaders: jsonb("webhook_headers").$type<Record<string, string>>().notNull().default({}),
  /** HMAC-SHA256 secret wrapped with the key store (`notification.webhook_secret`); null = unsigned. */
  webhookSecret: text("webhook_secret"),
  /** Send once per event instead of once per destination user (webhook modes). */
  sendOnce: boolean("send_once").notNull().default(false),
});

/**
 * authentik_events.notificationrule. A rule is a policy target: its pk is a
 * `policy_binding_models` row, so event-matcher (or any) policies bind to it.
 */
export const notificationRules = pgTable("notification_rules", {
  pbmUuid: uuid("pbm_uuid")
    .primaryKey()
    .references(() => policyBindingModels.pbmUuid, { onDelete: "cascade" }),
  name: text("name").notNull().unique(),
  severity: notificationSeverity("severity").notNull().default("notice"),
  destinationGroupId: uuid("destination_group_id").references(() => groups.groupUuid, { onDelete: "set null" }),
  /** Also notify the user the event is about. */
  destinationEventUser: boolean("destination_event_user").notNull().default(false),
});

/** Rule ↔ transport (many to many). */
export const notificationRuleTransports = pgTable(
  "notification_rule_transports",
  {
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => notificationRules.pbmUuid, { onDelete: "cascade" }),
    transportId: uuid("transport_id")
      .notNull()
      .references(() => notificationTransports.transportUuid, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.transportId] })],
);

/** authentik_events.notification: the in-app notification (the bell). */
export const notifications = pgTable(
  "notifications",
  {
    uuid: uuid("uuid").primaryKey().defaultRandom(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    severity: notificationSeverity("severity").notNull(),
    body: text("body").notNull(),
    /** The event it is about (no foreign key: events expire on their own schedule). */
    eventId: uuid("event_id"),
    seen: boolean("seen").notNull().default(false),
    created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("notifications_user_created_idx").on(t.userId, t.created),
    // The same event reaches a user's bell once, however often the delivery is retried.
    uniqueIndex("notifications_event_user_uq").on(t.eventId, t.userId),
  ],
);

/**
 * One delivery of one event through one transport to one user (or once, `user_id` null). The
 * unique (event, transport, user) index makes at-least-once fan-out harmless.
 */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    uuid: uuid("uuid").primaryKey().defaultRandom(),
    eventId: uuid("event_id").notNull(),
    transportId: uuid("transport_id")
      .notNull()
      .references(() => notificationTransports.transportUuid, { onDelete: "cascade" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** The rule that caused it (first one wins when several rules share a transport). */
    ruleId: uuid("rule_id").references(() => notificationRules.pbmUuid, { onDelete: "set null" }),
    severity: notificationSeverity("severity").notNull(),
    status: notificationDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** A consumer working on it holds it until then (two copies of a message cannot both send). */
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("notification_deliveries_event_transport_user_uq").on(
      t.eventId,
      t.transportId,
      sql`coalesce(${t.userId}, 0)`,
    ),
    index("notification_deliveries_created_idx").on(t.created),
  ],
);
