import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** authentik_events.event: the audit log, also fed to the queue consumer. */
export const events = pgTable(
  "events",
  {
    eventUuid: uuid("event_uuid").primaryKey().defaultRandom(),
    action: text("action").notNull(),
    /** Snapshot `{pk, username, email}`, `{}` for anonymous. */
    user: jsonb("user").$type<Record<string, unknown>>().notNull().default({}),
    app: text("app").notNull().default(""),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    clientIp: text("client_ip"),
    brand: jsonb("brand").$type<Record<string, unknown>>().notNull().default({}),
    // clock_timestamp(), not now(): events written in one transaction still order newest first.
    created: timestamp("created", { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
    expires: timestamp("expires", { withTimezone: true }).notNull(),
    processedAt: timestamp("processed_at", { withTimezone: true }),
  },
  (t) => [
    index("events_created_idx").on(t.created),
    index("events_expires_idx").on(t.expires),
    index("events_action_created_idx").on(t.action, t.created),
    // The cleanup cron re-enqueues events the consumer never saw (outbox); keep that scan small.
    index("events_unprocessed_idx").on(t.created).where(sql`${t.processedAt} is null`),
  ],
);
