import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { applications } from "./applications.js";
import { flows } from "./flows.js";
import { users } from "./users.js";

/**
 * authentik_stages_invitation.invitation. The `invite_uuid` is the token users receive
 * (`?itoken=`). A single-use invitation is deleted when it is used (one conditional DELETE, so
 * of two concurrent uses exactly one wins).
 */
export const invitations = pgTable(
  "invitations",
  {
    inviteUuid: uuid("invite_uuid").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    /** When set, the invitation is valid only in this flow. */
    flowId: uuid("flow_id").references(() => flows.flowUuid, { onDelete: "set null" }),
    expiring: boolean("expiring").notNull().default(true),
    expires: timestamp("expires", { withTimezone: true }),
    /** Merged into `prompt_data` when the invitation is used. */
    fixedData: jsonb("fixed_data").$type<Record<string, unknown>>().notNull().default({}),
    singleUse: boolean("single_use").notNull().default(false),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("invitations_expires_idx").on(t.expires)],
);

/** authentik_stages_consent.userconsent: what a user allowed an application, until `expires`. */
export const userConsents = pgTable(
  "user_consents",
  {
    consentUuid: uuid("consent_uuid").primaryKey().defaultRandom(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.pbmUuid, { onDelete: "cascade" }),
    /** Space-separated permission ids (authentik stores them the same way). */
    permissions: text("permissions").notNull().default(""),
    expiring: boolean("expiring").notNull().default(true),
    expires: timestamp("expires", { withTimezone: true }),
  },
  (t) => [uniqueIndex("user_consents_user_application_key").on(t.userId, t.applicationId)],
);
