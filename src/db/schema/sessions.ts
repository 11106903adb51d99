import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.js";

/** authentik_core.authenticatedsession. The cookie holds a key; only its hash is stored. */
export const authenticatedSessions = pgTable(
  "authenticated_sessions",
  {
    uuid: uuid("uuid").primaryKey().defaultRandom(),
    sessionKeyHash: text("session_key_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lastIp: text("last_ip").notNull().default(""),
    lastUserAgent: text("last_user_agent").notNull().default(""),
    lastUsed: timestamp("last_used", { withTimezone: true }).notNull().defaultNow(),
    expires: timestamp("expires", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("authenticated_sessions_user_idx").on(t.userId),
    index("authenticated_sessions_expires_idx").on(t.expires),
  ],
);
