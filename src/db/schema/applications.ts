import { boolean, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { policyBindingModels } from "./policies.js";
import { providers } from "./providers.js";

/**
 * authentik_core.application. `pbm_uuid` is its policy binding model (authentik's pk); the policy
 * engine mode lives on that row. An application without bindings is open to every user.
 */
export const applications = pgTable("applications", {
  pbmUuid: uuid("pbm_uuid")
    .primaryKey()
    .references(() => policyBindingModels.pbmUuid, { onDelete: "cascade" }),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  group: text("group").notNull().default(""),
  /** A provider serves at most one application (authentik's OneToOne). */
  providerId: integer("provider_id")
    .unique()
    .references(() => providers.id, { onDelete: "set null" }),
  metaLaunchUrl: text("meta_launch_url").notNull().default(""),
  metaIcon: text("meta_icon").notNull().default(""),
  metaDescription: text("meta_description").notNull().default(""),
  metaPublisher: text("meta_publisher").notNull().default(""),
  openInNewTab: boolean("open_in_new_tab").notNull().default(false),
});
