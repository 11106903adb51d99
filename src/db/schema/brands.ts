import { sql } from "drizzle-orm";
import { boolean, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { flows } from "./flows.js";

const flowRef = (name: string) =>
  uuid(name).references(() => flows.flowUuid, { onDelete: "set null" });

/** authentik_brands.brand: per-domain branding and default flows. */
export const brands = pgTable(
  "brands",
  {
    brandUuid: uuid("brand_uuid").primaryKey().defaultRandom(),
    /** Matched against the request host (suffix match, longest wins). */
    domain: text("domain").notNull().unique(),
    /** The brand used when no domain matches; at most one. */
    default: boolean("default").notNull().default(false),
    brandingTitle: text("branding_title").notNull().default("Threshold"),
    brandingLogo: text("branding_logo").notNull().default(""),
    brandingFavicon: text("branding_favicon").notNull().default(""),
    brandingCustomCss: text("branding_custom_css").notNull().default(""),
    flowAuthenticationId: flowRef("flow_authentication_id"),
    flowInvalidationId: flowRef("flow_invalidation_id"),
    flowRecoveryId: flowRef("flow_recovery_id"),
    flowUnenrollmentId: flowRef("flow_unenrollment_id"),
    flowUserSettingsId: flowRef("flow_user_settings_id"),
    flowDeviceCodeId: flowRef("flow_device_code_id"),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [uniqueIndex("brands_single_default").on(t.default).where(sql`${t.default}`)],
);
