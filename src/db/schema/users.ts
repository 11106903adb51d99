import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** authentik's `UserTypes`. */
export const userType = pgEnum("user_type", [
  "internal",
  "external",
  "service_account",
  "internal_service_account",
]);

/** authentik_core.user. */
export const users = pgTable(
  "users",
  {
    /** Numeric pk (authentik's `pk`; LDAP uidNumber = 2000 + id). By default, so imports can keep ids. */
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    uuid: uuid("uuid").notNull().unique().defaultRandom(),
    username: text("username").notNull(),
    name: text("name").notNull().default(""),
    email: text("email").notNull().default(""),
    emailVerified: boolean("email_verified").notNull().default(false),
    type: userType("type").notNull().default("internal"),
    isActive: boolean("is_active").notNull().default(true),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
    /** PHC / Django-style hash; null = no usable password. */
    password: text("password"),
    passwordChangeDate: timestamp("password_change_date", { withTimezone: true }),
    path: text("path").notNull().default("users"),
    lastLogin: timestamp("last_login", { withTimezone: true }),
    dateJoined: timestamp("date_joined", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Usernames are unique regardless of case ("Alice" and "alice" are one account).
    uniqueIndex("users_username_lower_key").on(sql`lower(${t.username})`),
    index("users_email_lower_idx").on(sql`lower(${t.email})`),
    index("users_path_idx").on(t.path),
  ],
);
