import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users.js";

export const tokenIntent = pgEnum("token_intent", [
  "verification",
  "api",
  "recovery",
  "app_password",
]);

/** authentik_core.token. Only the SHA-256 of the key is stored; the key is shown once. */
export const tokens = pgTable(
  "tokens",
  {
    tokenUuid: uuid("token_uuid").primaryKey().defaultRandom(),
    identifier: text("identifier").notNull().unique(),
    /** Lowercase hex SHA-256 of the secret key. */
    keyHash: text("key_hash").notNull().unique(),
    intent: tokenIntent("intent").notNull().default("verification"),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    description: text("description").notNull().default(""),
    expiring: boolean("expiring").notNull().default(true),
    expires: timestamp("expires", { withTimezone: true }),
    /** Set on objects the system manages (e.g. outpost tokens); unique when set. */
    managed: text("managed").unique(),
    created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("tokens_user_idx").on(t.userId),
    index("tokens_expires_idx").on(t.expires).where(sql`${t.expiring}`),
  ],
);
