import { integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { flows } from "./flows.js";

/** authentik_core.provider (and its typed subclasses, whose settings live in `settings`). */
export const providers = pgTable("providers", {
  id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
  name: text("name").notNull().unique(),
  /** "oauth2" | "saml" | "ldap" | "proxy". */
  type: text("type").notNull(),
  authenticationFlowId: uuid("authentication_flow_id").references(() => flows.flowUuid, {
    onDelete: "set null",
  }),
  /** A flow in use by a provider cannot be deleted. */
  authorizationFlowId: uuid("authorization_flow_id").references(() => flows.flowUuid, {
    onDelete: "restrict",
  }),
  invalidationFlowId: uuid("invalidation_flow_id").references(() => flows.flowUuid, {
    onDelete: "set null",
  }),
  /** Typed settings of the provider type (client_id, redirect_uris, acs_url, …). */
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
});
