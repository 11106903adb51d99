/**
 * `providers/<type>` for every registered provider type, and `providers/all` (every provider,
 * read only, with authentik's `component` / `verbose_name` so the UI picks the right form).
 */
import * as z from "zod";
import type { AdminRow } from "../../ports/admin.js";
import { ValidationError } from "../../core/errors.js";
import { fieldError, fieldErrors } from "../http.js";
import { PROVIDER_TYPES, providerType } from "../providers/registry.js";
import type { ProviderType } from "../providers/types.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { name, pick } from "./common.js";

const baseOutput = z.object({
  pk: z.number().int(),
  name: z.string(),
  authentication_flow: z.uuid().nullable(),
  authorization_flow: z.uuid().nullable(),
  invalidation_flow: z.uuid().nullable(),
  component: z.string(),
  assigned_application_slug: z.string().nullable(),
  assigned_application_name: z.string().nullable(),
  verbose_name: z.string(),
  verbose_name_plural: z.string(),
  meta_model_name: z.string(),
});
type BaseOut = z.infer<typeof baseOutput>;

const COMMON_FIELDS = { name: "name", authentication_flow: "authenticationFlowId", authorization_flow: "authorizationFlowId", invalidation_flow: "invalidationFlowId" };

async function serializeProviders(rows: AdminRow[], ctx: Ctx, detailed: boolean): Promise<Record<string, unknown>[]> {
  const pks = rows.map((r) => r.id as number);
  const apps = pks.length ? await ctx.repos.admin.all("applications", [{ column: "providerId", op: "in", value: pks }]) : [];
  return rows.map((r) => {
    const t = providerType(r.type as string);
    const app = apps.find((a) => a.providerId === r.id);
    const base: BaseOut = {
      pk: r.id as number,
      name: r.name as string,
      authentication_flow: (r.authenticationFlowId as string | null) ?? null,
      authorization_flow: (r.authorizationFlowId as string | null) ?? null,
      invalidation_flow: (r.invalidationFlowId as string | null) ?? null,
      component: t?.component ?? `ak-provider-${r.type as string}-form`,
      assigned_application_slug: (app?.slug as string | undefined) ?? null,
      assigned_application_name: (app?.name as string | undefined) ?? null,
      verbose_name: t?.verboseName ?? String(r.type),
      verbose_name_plural: `${t?.verboseName ?? String(r.type)}s`,
      meta_model_name: t ? `${t.app}.${t.model}` : String(r.type),
    };
    if (!detailed || !t) return base;
    const settings = r.settings as Record<string, unknown>;
    return { ...base, ...(t.show ? t.show(settings) : settings) };
  });
}

async function checkFlows(ctx: Ctx, data: Record<string, unknown>): Promise<void> {
  for (const field of ["authentication_flow", "authorization_flow", "invalidation_flow"]) {
    const pk = data[field];
    if (typeof pk === "string" && !(await ctx.repos.flows.byPk(pk))) throw fieldError(field, "Invalid pk - object does not exist.", "does_not_exist");
  }
}

function settingsOf(t: ProviderType, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(t.settings.shape)) if (data[key] !== undefined) out[key] = data[key];
  return out;
}

function typedResource(t: ProviderType): ResourceDef<Record<string, unknown>> {
  const flow = z.uuid().nullable();
  const input = z.object({
    name,
    authentication_flow: flow.optional(),
    authorization_flow: t.requiresAuthorizationFlow ? z.uuid() : flow.optional(),
    invalidation_flow: flow.optional(),
    ...t.settings.shape,
  });
  const output = baseOutput.extend(t.settings.shape).extend(t.outputExtra ?? {});
  return {
    path: `providers/${t.path}`,
    tag: "providers",
    table: "providers",
    app: t.app,
    model: t.model,
    name: t.name,
    verbose: t.verboseName,
    pk: "id",
    lookup: { param: "id", type: "integer" },
    output: output as unknown as z.ZodType<Record<string, unknown>>,
    serialize: (rows, ctx) => serializeProviders(rows, ctx, true),
    displayName: (r) => r.name as string,
    input,
    scope: [{ column: "type", op: "eq", value: t.type }],
    async create(data, ctx) {
      await checkFlows(ctx, data);
      // The whole settings schema again: cross-field rules (refinements) see every field together.
      const parsed = t.settings.safeParse(settingsOf(t, data));
      if (!parsed.success) throw new ValidationError("Invalid input", fieldErrors(parsed.error));
      await t.validate?.(parsed.data, ctx.repos);
      const prepared = t.prepare ? await t.prepare(ctx.c.env, settingsOf(t, data), null) : { settings: settingsOf(t, data) };
      const row = await ctx.repos.admin.insert("providers", { ...pick(data, COMMON_FIELDS), type: t.type, settings: prepared.settings });
      return { row, ...(prepared.extra ? { extra: prepared.extra } : {}) };
    },
    async toValues(data, ctx, existing) {
      await checkFlows(ctx, data);
      const values = pick(data, COMMON_FIELDS);
      const sent = settingsOf(t, data);
      if (Object.keys(sent).length && existing) {
        const stored = existing.settings as Record<string, unknown>;
        const merged = t.settings.safeParse({ ...stored, ...sent });
        if (!merged.success) throw new ValidationError("Invalid input", fieldErrors(merged.error));
        await t.validate?.(merged.data, ctx.repos);
        values.settings = t.prepare ? (await t.prepare(ctx.c.env, merged.data, stored)).settings : { ...stored, ...merged.data };
      }
      return values;
    },
    search: ["name"],
    ordering: { pk: "id", name: "name" },
    defaultOrdering: [{ column: "name", desc: false }],
    filters: { name: { column: "name", type: "string" }, authorization_flow: { column: "authorizationFlowId", type: "uuid" } },
    ...(t.actions ? { actions: t.actions } : {}),
  };
}

export const providerResources: ResourceDef<Record<string, unknown>>[] = PROVIDER_TYPES.map(typedResource);

export const allProvidersResource: ResourceDef<BaseOut> = {
  path: "providers/all",
  tag: "providers",
  table: "providers",
  app: "authentik_providers",
  model: "provider",
  name: "Provider",
  verbose: "provider",
  pk: "id",
  lookup: { param: "id", type: "integer" },
  output: baseOutput,
  serialize: (rows, ctx) => serializeProviders(rows, ctx, false) as Promise<BaseOut[]>,
  displayName: (r) => r.name as string,
  search: ["name"],
  ordering: { pk: "id", name: "name" },
  defaultOrdering: [{ column: "name", desc: false }],
  filters: { type: { column: "type", type: "string" } },
};

