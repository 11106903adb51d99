/** `core/brands` (authentik's BrandSerializer): per-domain branding and default flows. */
import * as z from "zod";
import type { AdminRow } from "../../ports/admin.js";
import { fieldError } from "../http.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { attributes, pick } from "./common.js";

const FLOWS = {
  flow_authentication: "flowAuthenticationId",
  flow_invalidation: "flowInvalidationId",
  flow_recovery: "flowRecoveryId",
  flow_unenrollment: "flowUnenrollmentId",
  flow_user_settings: "flowUserSettingsId",
  flow_device_code: "flowDeviceCodeId",
} as const;

const flowRef = z.uuid().nullable();
export const brandOutput = z.object({
  brand_uuid: z.uuid(),
  domain: z.string(),
  default: z.boolean(),
  branding_title: z.string(),
  branding_logo: z.string(),
  branding_favicon: z.string(),
  branding_custom_css: z.string(),
  flow_authentication: flowRef,
  flow_invalidation: flowRef,
  flow_recovery: flowRef,
  flow_unenrollment: flowRef,
  flow_user_settings: flowRef,
  flow_device_code: flowRef,
  attributes: z.record(z.string(), z.unknown()),
});
type BrandOut = z.infer<typeof brandOutput>;

const input = z.object({
  domain: z.string().trim().min(1, "This field may not be blank.").max(255).regex(/^[a-zA-Z0-9.:*-]+$/, "Enter a domain name (authentik_default for the fallback brand)."),
  default: z.boolean().default(false),
  branding_title: z.string().max(255).default("Threshold"),
  branding_logo: z.string().max(2000).default(""),
  branding_favicon: z.string().max(2000).default(""),
  branding_custom_css: z.string().max(100_000).default(""),
  flow_authentication: flowRef.optional(),
  flow_invalidation: flowRef.optional(),
  flow_recovery: flowRef.optional(),
  flow_unenrollment: flowRef.optional(),
  flow_user_settings: flowRef.optional(),
  flow_device_code: flowRef.optional(),
  attributes: attributes.default({}),
});

async function serialize(rows: AdminRow[]): Promise<BrandOut[]> {
  return rows.map((r) => ({
    brand_uuid: r.brandUuid as string,
    domain: r.domain as string,
    default: r.default as boolean,
    branding_title: r.brandingTitle as string,
    branding_logo: r.brandingLogo as string,
    branding_favicon: r.brandingFavicon as string,
    branding_custom_css: r.brandingCustomCss as string,
    flow_authentication: (r.flowAuthenticationId as string | null) ?? null,
    flow_invalidation: (r.flowInvalidationId as string | null) ?? null,
    flow_recovery: (r.flowRecoveryId as string | null) ?? null,
    flow_unenrollment: (r.flowUnenrollmentId as string | null) ?? null,
    flow_user_settings: (r.flowUserSettingsId as string | null) ?? null,
    flow_device_code: (r.flowDeviceCodeId as string | null) ?? null,
    attributes: r.attributes as Record<string, unknown>,
  }));
}

/** Checks flow references exist (a clear field error instead of a foreign-key failure). */
export async function checkFlowRefs(ctx: Ctx, data: Record<string, unknown>, fields: readonly string[]): Promise<void> {
  for (const field of fields) {
    const pk = data[field];
    if (typeof pk === "string" && !(await ctx.repos.flows.byPk(pk))) throw fieldError(field, "Invalid pk - object does not exist.", "does_not_exist");
  }
}

export const brandsResource: ResourceDef<BrandOut> = {
  path: "core/brands",
  tag: "core",
  table: "brands",
  app: "authentik_brands",
  model: "brand",
  name: "Brand",
  verbose: "brand",
  pk: "brandUuid",
  lookup: { param: "brand_uuid", type: "uuid" },
  output: brandOutput,
  serialize: (rows) => serialize(rows),
  displayName: (r) => r.domain as string,
  input,
  async toValues(data, ctx) {
    await checkFlowRefs(ctx, data, Object.keys(FLOWS));
    return pick(data, {
      domain: "domain",
      default: "default",
      branding_title: "brandingTitle",
      branding_logo: "brandingLogo",
      branding_favicon: "brandingFavicon",
      branding_custom_css: "brandingCustomCss",
      attributes: "attributes",
      ...FLOWS,
    });
  },
  search: ["domain", "brandingTitle"],
  ordering: { domain: "domain", default: "default", branding_title: "brandingTitle" },
  defaultOrdering: [{ column: "domain", desc: false }],
  filters: { domain: { column: "domain", type: "string" }, default: { column: "default", type: "boolean" } },
};
