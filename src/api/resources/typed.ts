/**
 * Resources for rows that are `type` + `config` (stages, policies): one resource per registered
 * type whose body is the base fields plus the type's own zod config schema (the same schema the
 * runtime parses), and one `…/all` resource listing every type read-only with authentik's
 * `component` / `meta_model_name`.
 */
import * as z from "zod";
import type { AdminRow, AdminTable } from "../../ports/admin.js";
import { fieldErrors } from "../http.js";
import { ValidationError } from "../../core/errors.js";
import type { Ctx, ResourceDef } from "../resource.js";

/** Config keys that are write-only (never serialized back). */
const WRITE_ONLY = new Set(["private_key"]);

export interface TypedKind {
  /** Row `type` value. */
  type: string;
  /** Path under the family (`password`, `authenticator/totp`). */
  path: string;
  app: string;
  model: string;
  /** OpenAPI component name. */
  name: string;
  verbose: string;
  component: string;
  config: z.ZodObject;
}

export interface TypedFamily {
  /** `stages` | `policies`. */
  prefix: string;
  tag: string;
  table: AdminTable;
  pk: string;
  lookupParam: string;
  /** Base fields besides `name` (API field → column) with their input schemas. */
  base: Record<string, { column: string; input: z.ZodType; output: z.ZodType }>;
  /** Extra output fields computed for a page of rows (e.g. `flow_set`, `bound_to`). */
  extra?(rows: AdminRow[], ctx: Ctx): Promise<Map<string, Record<string, unknown>>>;
  extraOutput?: z.ZodRawShape;
  kinds: readonly TypedKind[];
  /** authentik's generic model for `…/all` permissions: `authentik_flows`, `stage`. */
  allApp: string;
  allModel: string;
}

function baseOutput(f: TypedFamily) {
  const shape: Record<string, z.ZodType> = {
    pk: z.uuid(),
    name: z.string(),
    component: z.string(),
    verbose_name: z.string(),
    verbose_name_plural: z.string(),
    meta_model_name: z.string(),
  };
  for (const [field, b] of Object.entries(f.base)) shape[field] = b.output;
  return z.object({ ...shape, ...(f.extraOutput ?? {}) });
}

function serializer(f: TypedFamily, withConfig: boolean) {
  const kinds = new Map(f.kinds.map((k) => [k.type, k]));
  return async (rows: AdminRow[], ctx: Ctx) => {
    const extra = f.extra ? await f.extra(rows, ctx) : new Map<string, Record<string, unknown>>();
    return rows.map((r) => {
      const k = kinds.get(r.type as string);
      const out: Record<string, unknown> = {
        pk: r[f.pk],
        name: r.name,
        component: k?.component ?? `ak-${String(r.type)}-form`,
        verbose_name: k?.verbose ?? String(r.type),
        verbose_name_plural: `${k?.verbose ?? String(r.type)}s`,
        meta_model_name: k ? `${k.app}.${k.model}` : String(r.type),
      };
      for (const [field, b] of Object.entries(f.base)) out[field] = r[b.column];
      Object.assign(out, extra.get(r[f.pk] as string) ?? {});
      if (withConfig) {
        const parsed = k?.config.safeParse(r.config);
        const config = (parsed?.success ? parsed.data : r.config) as Record<string, unknown>;
        for (const [key, value] of Object.entries(config)) if (!WRITE_ONLY.has(key) && !(key in out)) out[key] = value;
      }
      return out;
    });
  };
}

function configOf(k: TypedKind, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(k.config.shape)) if (data[key] !== undefined) out[key] = data[key];
  return out;
}

export function typedResources(f: TypedFamily): ResourceDef<Record<string, unknown>>[] {
  const output = baseOutput(f);
  const all: ResourceDef<Record<string, unknown>> = {
    path: `${f.prefix}/all`,
    tag: f.tag,
    table: f.table,
    app: f.allApp,
    model: f.allModel,
    name: f.allModel[0]!.toUpperCase() + f.allModel.slice(1),
    verbose: f.allModel,
    pk: f.pk,
    lookup: { param: f.lookupParam, type: "uuid" },
    output: output as unknown as z.ZodType<Record<string, unknown>>,
    serialize: serializer(f, false),
    displayName: (r) => r.name as string,
    search: ["name", "type"],
    ordering: { name: "name" },
    defaultOrdering: [{ column: "name", desc: false }],
    filters: { type: { column: "type", type: "string" } },
    scope: [],
  };
  const typed = f.kinds.map((k): ResourceDef<Record<string, unknown>> => {
    const baseInput: Record<string, z.ZodType> = { name: z.string().trim().min(1, "This field may not be blank.").max(255) };
    for (const [field, b] of Object.entries(f.base)) baseInput[field] = b.input;
    const input = z.object({ ...baseInput, ...k.config.shape });
    const columns = Object.fromEntries(Object.entries(f.base).map(([field, b]) => [field, b.column]));
    return {
      path: `${f.prefix}/${k.path}`,
      tag: f.tag,
      table: f.table,
      app: k.app,
      model: k.model,
      name: k.name,
      verbose: k.verbose,
      pk: f.pk,
      lookup: { param: f.lookupParam, type: "uuid" },
      output: output.extend(k.config.shape) as unknown as z.ZodType<Record<string, unknown>>,
      serialize: serializer(f, true),
      displayName: (r) => r.name as string,
      input,
      scope: [{ column: "type", op: "eq", value: k.type }],
      toValues(data, _ctx, existing) {
        const values: AdminRow = {};
        if (data.name !== undefined) values.name = data.name;
        for (const [field, column] of Object.entries(columns)) if (data[field] !== undefined) values[column] = data[field];
        const sent = configOf(k, data);
        if (!existing) {
          values.type = k.type;
          values.config = sent;
        } else if (Object.keys(sent).length) {
          const merged = k.config.safeParse({ ...(existing.config as Record<string, unknown>), ...sent });
          if (!merged.success) throw new ValidationError("Invalid input", fieldErrors(merged.error));
          values.config = { ...(existing.config as Record<string, unknown>), ...sent };
        }
        return values;
      },
      search: ["name"],
      ordering: { name: "name" },
      defaultOrdering: [{ column: "name", desc: false }],
      filters: { name: { column: "name", type: "string" } },
    };
  });
  return [all, ...typed];
}
