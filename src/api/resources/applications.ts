/**
 * `core/applications` (authentik's ApplicationSerializer). Without `superuser_full_list=true`
 * (or without `view_application`), the list holds only the applications the requesting user
 * may access by policy — the user portal's tiles — each with its `launch_url`.
 */
import * as z from "zod";
import { clientIp } from "../../http/middleware/session.js";
import type { AdminCondition, AdminRow } from "../../ports/admin.js";
import { boolQuery, fieldError, listParams, paginate } from "../http.js";
import { providerType } from "../providers/registry.js";
import { permission } from "../rbac.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { name, pick, slug } from "./common.js";

export const applicationOutput = z.object({
  pk: z.uuid(),
  name: z.string(),
  slug: z.string(),
  provider: z.number().int().nullable(),
  provider_obj: z
    .object({ pk: z.number().int(), name: z.string(), component: z.string(), verbose_name: z.string(), meta_model_name: z.string() })
    .nullable(),
  backchannel_providers: z.array(z.number().int()),
  launch_url: z.string().nullable(),
  open_in_new_tab: z.boolean(),
  meta_launch_url: z.string(),
  meta_icon: z.string(),
  meta_description: z.string(),
  meta_publisher: z.string(),
  policy_engine_mode: z.enum(["any", "all"]),
  group: z.string(),
});
export type ApplicationOut = z.infer<typeof applicationOutput>;

const input = z.object({
  name,
  slug,
  provider: z.number().int().positive().nullable().optional(),
  backchannel_providers: z.array(z.number().int()).optional(),
  open_in_new_tab: z.boolean().default(false),
  meta_launch_url: z.union([z.url(), z.literal("")]).default(""),
  meta_icon: z.string().max(2000).default(""),
  meta_description: z.string().max(10_000).default(""),
  meta_publisher: z.string().max(255).default(""),
  policy_engine_mode: z.enum(["any", "all"]).default("any"),
  group: z.string().max(255).default(""),
});

async function serialize(rows: AdminRow[], ctx: Ctx): Promise<ApplicationOut[]> {
  const providerPks = rows.map((r) => r.providerId).filter((p): p is number => typeof p === "number");
  const pbms = rows.map((r) => r.pbmUuid as string);
  const [providers, modes] = await Promise.all([
    providerPks.length ? ctx.repos.admin.all("providers", [{ column: "id", op: "in", value: providerPks }]) : [],
    pbms.length ? ctx.repos.admin.all("policyBindingModels", [{ column: "pbmUuid", op: "in", value: pbms }]) : [],
  ]);
  const origin = new URL(ctx.c.req.url).origin;
  return rows.map((r) => {
    const p = providers.find((x) => x.id === r.providerId);
    const t = p ? providerType(p.type as string) : undefined;
    const meta = r.metaLaunchUrl as string;
    return {
      pk: r.pbmUuid as string,
      name: r.name as string,
      slug: r.slug as string,
      provider: (r.providerId as number | null) ?? null,
      provider_obj: p
        ? { pk: p.id as number, name: p.name as string, component: t?.component ?? "", verbose_name: t?.verboseName ?? String(p.type), meta_model_name: t ? `${t.app}.${t.model}` : String(p.type) }
        : null,
      backchannel_providers: [],
      launch_url: meta || (p && t?.launchUrl ? t.launchUrl(p.settings as Record<string, unknown>, { slug: r.slug as string }, origin) : null),
      open_in_new_tab: r.openInNewTab as boolean,
      meta_launch_url: meta,
      meta_icon: r.metaIcon as string,
      meta_description: r.metaDescription as string,
      meta_publisher: r.metaPublisher as string,
      policy_engine_mode: (modes.find((m) => m.pbmUuid === r.pbmUuid)?.policyEngineMode as "any" | "all" | undefined) ?? "any",
      group: r.group as string,
    };
  });
}

/** The applications the requesting user may access (policy engine), paginated after filtering. */
async function accessibleList(ctx: Ctx): Promise<Response | null> {
  const { c, principal } = ctx;
  const full = boolQuery(c.req.query("superuser_full_list")) === true;
  if (full && principal.permissions.has(permission("authentik_core", "view", "application"))) return null;
  const q = listParams(c);
  const where: AdminCondition[] = [];
  const group = c.req.query("group");
  if (group) where.push({ column: "group", op: "eq", value: group });
  const { rows } = await ctx.repos.admin.list("applications", {
    page: 1,
    pageSize: 10_000,
    ...(q.search ? { search: { term: q.search, columns: ["name", "slug", "metaPublisher", "metaDescription", "group"] } } : {}),
    ordering: [{ column: "name", desc: false }],
    where,
  });
  const url = new URL(c.req.url);
  const allowed: AdminRow[] = [];
  for (const app of rows) {
    const result = await c.env.policyEngine.evaluate(app.pbmUuid as string, {
      user: principal.user,
      http: { ip: clientIp(c), userAgent: c.req.header("user-agent") ?? null, host: url.host, path: url.pathname },
      context: {},
      obj: { model: "authentik_core.application", pk: app.pbmUuid as string, name: app.name as string, slug: app.slug as string },
    });
    if (result.passing) allowed.push(app);
  }
  const page = allowed.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
  return c.json(paginate(await serialize(page, ctx), q.page, q.pageSize, allowed.length));
}

export const applicationsResource: ResourceDef<ApplicationOut> = {
  path: "core/applications",
  tag: "core",
  table: "applications",
  app: "authentik_core",
  model: "application",
  name: "Application",
  verbose: "application",
  pk: "pbmUuid",
  lookup: { param: "slug", column: "slug", type: "string" },
  output: applicationOutput,
  serialize,
  displayName: (r) => r.name as string,
  input,
  async toValues(data, ctx, existing) {
    if (typeof data.provider === "number") {
      if (!(await ctx.repos.admin.get("providers", data.provider))) throw fieldError("provider", "Invalid pk - object does not exist.", "does_not_exist");
      const other = await ctx.repos.admin.get("applications", data.provider, "providerId");
      if (other && other.pbmUuid !== existing?.pbmUuid) throw fieldError("provider", "This provider is already assigned to another application.", "unique");
    }
    return pick(data, {
      name: "name",
      slug: "slug",
      provider: "providerId",
      open_in_new_tab: "openInNewTab",
      meta_launch_url: "metaLaunchUrl",
      meta_icon: "metaIcon",
      meta_description: "metaDescription",
      meta_publisher: "metaPublisher",
      group: "group",
    });
  },
  async afterWrite(row, data, ctx) {
    if (data.policy_engine_mode) await ctx.repos.policies.setEngineMode(row.pbmUuid as string, data.policy_engine_mode as "any" | "all");
  },
  list: accessibleList,
  listParams: [
    { name: "superuser_full_list", in: "query", description: "All applications (needs view_application); otherwise only those the user may access", schema: { type: "boolean" } },
    { name: "group", in: "query", schema: { type: "string" } },
  ],
  search: ["name", "slug", "metaPublisher", "metaDescription", "group"],
  ordering: { name: "name", slug: "slug", group: "group" },
  defaultOrdering: [{ column: "name", desc: false }],
};
