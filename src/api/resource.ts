/**
 * One declarative definition per API resource (authentik's ModelViewSet): list with pagination,
 * search, ordering and filters; retrieve; create; update (PUT) and partial update (PATCH); delete;
 * plus extra actions. The definition produces both the Hono routes and their OpenAPI operations,
 * enforces the RBAC permission of each operation (`<app>.view_<model>` …, or ownership for
 * self-service resources), runs writes in one transaction and records `model_*` events.
 */
import { Hono, type Context, type Handler } from "hono";
import * as z from "zod";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../core/errors.js";
import type { AdminCondition, AdminRow, AdminTable } from "../ports/admin.js";
import type { Repositories } from "../ports/store.js";
import { auditModel } from "./audit.js";
import { principalOf, type Principal } from "./auth.js";
import { boolQuery, fieldErrors, jsonBody, listParams, paginate, paginated } from "./http.js";
import { type HttpMethod, LIST_PARAMS, type OpenApiRegistry, type OperationParam } from "./openapi.js";
import { permission, type ApiAction } from "./rbac.js";
import type { ApiEnv } from "./types.js";

export type ApiContext = Context<ApiEnv>;

/** What resource hooks get: the request, who asks, and the repositories (a transaction's, for writes). */
export interface Ctx {
  c: ApiContext;
  principal: Principal;
  repos: Repositories;
}

export interface FilterDef {
  column: string;
  /** `isNull` / `notNull`: a boolean query; `true` keeps rows where the column is (not) null. */
  op?: "eq" | "gte" | "lte" | "in" | "isNull" | "notNull";
  type: "string" | "integer" | "boolean" | "uuid" | "datetime";
  description?: string;
}

export interface ActionDef {
  method: HttpMethod;
  /** Path after the collection (`me`) or after the object (`set_password`, with `detail: true`). */
  name: string;
  detail?: boolean;
  summary: string;
  /** Permission checked before the handler (the handler may check more). */
  action?: ApiAction | null;
  body?: z.ZodType;
  bodyName?: string;
  status?: number;
  response: z.ZodType | null;
  responseName?: string;
  params?: OperationParam[];
  handler: (ctx: Ctx, row: AdminRow | null) => Promise<Response>;
}

export interface ResourceDef<Out> {
  /** Path under `/api/v3`, authentik's (`core/users`). */
  path: string;
  tag: string;
  table: AdminTable;
  /** authentik's app label and model name (permissions, events): `authentik_core`, `user`. */
  app: string;
  model: string;
  /** Component name of the serializer in the OpenAPI document (`User`). */
  name: string;
  /** Human name used in messages ("user"). */
  verbose: string;
  /** Row key of the table's primary key (`id`, `groupUuid`, `pbmUuid`). */
  pk: string;
  /** The URL parameter; `column` (default: the primary key) is the row key it is matched against. */
  lookup: { param: string; column?: string; type: "integer" | "uuid" | "string" };
  output: z.ZodType<Out>;
  serialize(rows: AdminRow[], ctx: Ctx): Promise<Out[]>;
  displayName(row: AdminRow): string;
  /** Create/update body; absent = read-only resource. */
  input?: z.ZodObject;
  /** Body columns for a write; `existing` is null on create. Only provided fields are returned on PATCH. */
  toValues?(data: Record<string, unknown>, ctx: Ctx, existing: AdminRow | null): Promise<AdminRow> | AdminRow;
  /** Writes that belong to the same change (links), inside the transaction. */
  afterWrite?(row: AdminRow, data: Record<string, unknown>, ctx: Ctx, created: boolean): Promise<void>;
  /** Replaces the default insert (e.g. providers that generate secrets); returns the row and extra response fields. */
  create?(data: Record<string, unknown>, ctx: Ctx): Promise<{ row: AdminRow; extra?: Record<string, unknown> }>;
  /** Checks before delete (throw to refuse). */
  beforeDelete?(row: AdminRow, ctx: Ctx): Promise<void>;
  noCreate?: boolean;
  noUpdate?: boolean;
  noDelete?: boolean;
  search?: string[];
  /** API field → column for `ordering`. */
  ordering?: Record<string, string>;
  defaultOrdering?: { column: string; desc: boolean }[];
  filters?: Record<string, FilterDef>;
  /** Rows that always apply (e.g. a provider type). */
  scope?: AdminCondition[];
  /** Column holding the owning user's pk: owners may use their own rows without the model permission. */
  owner?: string;
  actions?: ActionDef[];
  /** Answers the list itself when it returns a response (e.g. applications filtered by policy). */
  list?(ctx: Ctx): Promise<Response | null>;
  /** Extra list query parameters (OpenAPI) that `list` reads. */
  listParams?: OperationParam[];
}

function pkOf(def: ResourceDef<unknown>, row: AdminRow): string | number {
  return row[def.pk] as string | number;
}

function filterValue(f: FilterDef, raw: string): unknown {
  switch (f.type) {
    case "integer":
      return /^-?\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    case "boolean":
      return boolQuery(raw);
    case "datetime": {
      const d = new Date(raw);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    default:
      // PostgreSQL text cannot hold NUL: such a value matches nothing.
      return raw.includes("\u0000") || raw.length > 1000 ? undefined : raw;
  }
}

function conditionsFromQuery(def: ResourceDef<unknown>, c: ApiContext): AdminCondition[] {
  const out: AdminCondition[] = [];
  for (const [name, f] of Object.entries(def.filters ?? {})) {
    if (f.op === "in") {
      const values = c.req.queries(name)?.flatMap((v) => v.split(",")).filter(Boolean) ?? [];
      if (values.length) out.push({ column: f.column, op: "in", value: values.map((v) => filterValue(f, v)).filter((v) => v !== undefined) as (string | number)[] });
      continue;
    }
    const raw = c.req.query(name);
    if (raw === undefined || raw === "") continue;
    if (f.op === "isNull" || f.op === "notNull") {
      const b = boolQuery(raw);
      const wantsNull = f.op === "isNull" ? b : b === undefined ? undefined : !b;
      if (wantsNull !== undefined) out.push({ column: f.column, op: wantsNull ? "isNull" : "notNull" });
      continue;
    }
    const value = filterValue(f, raw);
    // A value of the wrong type matches nothing (authentik answers 400; an empty page is as safe).
    out.push(value === undefined ? { column: f.column, op: "in", value: [] } : { column: f.column, op: f.op ?? "eq", value: value as string });
  }
  return out;
}

function filterParams(def: ResourceDef<unknown>): OperationParam[] {
  return Object.entries(def.filters ?? {}).map(([name, f]) => ({
    name,
    in: "query" as const,
    ...(f.description ? { description: f.description } : {}),
    schema:
      f.type === "integer"
        ? { type: "integer" }
        : f.type === "boolean"
          ? { type: "boolean" }
          : f.type === "uuid"
            ? { type: "string", format: "uuid" }
            : f.type === "datetime"
              ? { type: "string", format: "date-time" }
              : { type: "string" },
  }));
}

/** Whether the principal may `action` rows of the resource: true, false, or "own" (ownership decides). */
function access(def: ResourceDef<unknown>, p: Principal, action: ApiAction): boolean | "own" {
  if (p.permissions.has(permission(def.app, action, def.model))) return true;
  return def.owner ? "own" : false;
}

function deny(): never {
  throw new ForbiddenError("You do not have permission to perform this action.");
}

/** Maps a unique violation to the field it is about (authentik: "user with this username already exists."). */
function conflictToValidation(def: ResourceDef<unknown>, e: ConflictError, data: Record<string, unknown>): ValidationError {
  const field = Object.keys(data).find((k) => e.message.includes(k)) ?? Object.keys(data).find((k) => e.message.includes(k.split("_")[0]!));
  const message = field ? `${def.verbose} with this ${field} already exists.` : `This ${def.verbose} already exists.`;
  return new ValidationError(message, { [field ?? "non_field_errors"]: [{ string: message, code: "unique" }] });
}

async function write<T>(def: ResourceDef<unknown>, data: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConflictError) throw conflictToValidation(def, e, data);
    if (e instanceof NotFoundError && /referenced row/.test(e.message)) {
      throw new ValidationError("Invalid reference", { non_field_errors: [{ string: "A referenced object does not exist.", code: "does_not_exist" }] });
    }
    throw e;
  }
}

/** PATCH body: every field optional and without defaults (absent fields stay as they are). */
export function patchSchema(input: z.ZodObject): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(input.shape)) {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
    shape[key] = inner.optional();
  }
  return z.object(shape);
}

/** drf-spectacular's operation id suffixes, as authentik's schema has them. */
const VERB: Record<HttpMethod, string> = { get: "retrieve", post: "create", put: "update", patch: "partial_update", delete: "destroy" };

function opId(path: string, suffix: string): string {
  return `${path.replace(/[/-]/g, "_")}_${suffix}`;
}

export function mountResource<Out>(def: ResourceDef<Out>, registry: OpenApiRegistry): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  const base = `/${def.path}/`;
  const detail = `/${def.path}/{${def.lookup.param}}/`;
  const lookupParam: OperationParam = {
    name: def.lookup.param,
    in: "path",
    schema: def.lookup.type === "integer" ? { type: "integer" } : def.lookup.type === "uuid" ? { type: "string", format: "uuid" } : { type: "string" },
  };
  const ctxOf = (c: ApiContext): Ctx => ({ c, principal: principalOf(c), repos: c.env.store });
  const d = def as ResourceDef<unknown>;

  /** The object of the request, or 404 (also when the principal may not see it: no existence leak). */
  async function load(ctx: Ctx, action: ApiAction): Promise<AdminRow> {
    const raw = ctx.c.req.param("lookup") ?? "";
    const value = def.lookup.type === "integer" ? (/^\d{1,15}$/.test(raw) ? Number(raw) : null) : raw;
    const row = value === null ? null : await ctx.repos.admin.get(def.table, value, def.lookup.column);
    const inScope = row && (def.scope ?? []).every((s) => s.op === "eq" && row[s.column] === s.value);
    const canView = access(d, ctx.principal, "view");
    const owned = row && def.owner ? row[def.owner] === ctx.principal.user.pk : false;
    if (!row || !inScope || (canView !== true && !owned)) throw new NotFoundError(`No ${def.name} matches the given query.`);
    const can = access(d, ctx.principal, action);
    if (can === false || (can === "own" && !owned)) deny();
    return row;
  }

  async function respond(ctx: Ctx, row: AdminRow, status: 200 | 201, extra: Record<string, unknown> = {}) {
    const [out] = await def.serialize([row], ctx);
    return ctx.c.json({ ...(out as object), ...extra }, status);
  }

  for (const a of def.actions ?? []) {
    const honoPath = a.detail ? `/:lookup/${a.name}` : `/${a.name}`;
    const handler: Handler<ApiEnv> = async (c) => {
      const ctx = ctxOf(c);
      let row: AdminRow | null = null;
      if (a.detail) row = await load(ctx, a.action ?? "view");
      else if (a.action) {
        const can = access(d, ctx.principal, a.action);
        if (can === false) deny();
      }
      return a.handler(ctx, row);
    };
    app.on(a.method.toUpperCase(), honoPath, handler);
    registry.add({
      method: a.method,
      path: a.detail ? `${detail}${a.name}/` : `${base}${a.name}/`,
      operationId: opId(def.path, `${a.name}_${VERB[a.method]}`),
      tag: def.tag,
      summary: a.summary,
      params: [...(a.detail ? [lookupParam] : []), ...(a.params ?? [])],
      ...(a.body ? { body: a.body, ...(a.bodyName ? { bodyName: a.bodyName } : {}) } : {}),
      status: a.status ?? 200,
      response: a.response,
      ...(a.responseName ? { responseName: a.responseName } : {}),
    });
  }

  // List.
  app.get("/", async (c) => {
    const ctx = ctxOf(c);
    const custom = await def.list?.(ctx);
    if (custom) return custom;
    const can = access(d, ctx.principal, "view");
    if (can === false) deny();
    const q = listParams(c);
    const where = [...(def.scope ?? []), ...conditionsFromQuery(d, c)];
    if (can === "own") where.push({ column: def.owner!, op: "eq", value: ctx.principal.user.pk });
    const ordering = q.ordering
      .filter((o) => def.ordering?.[o.field])
      .map((o) => ({ column: def.ordering![o.field]!, desc: o.desc }));
    const { rows, count } = await ctx.repos.admin.list(def.table, {
      page: q.page,
      pageSize: q.pageSize,
      ...(q.search && def.search?.length ? { search: { term: q.search, columns: def.search } } : {}),
      ordering: ordering.length ? ordering : (def.defaultOrdering ?? []),
      where,
    });
    return c.json(paginate(await def.serialize(rows, ctx), q.page, q.pageSize, count));
  });
  registry.add({
    method: "get",
    path: base,
    operationId: opId(def.path, "list"),
    tag: def.tag,
    summary: `List ${def.verbose}s`,
    params: [...LIST_PARAMS, ...filterParams(d), ...(def.listParams ?? [])],
    status: 200,
    response: paginated(def.output),
    responseName: `Paginated${def.name}List`,
  });

  // Retrieve.
  app.get("/:lookup", async (c) => {
    const ctx = ctxOf(c);
    return respond(ctx, await load(ctx, "view"), 200);
  });
  registry.add({ method: "get", path: detail, operationId: opId(def.path, "retrieve"), tag: def.tag, summary: `Retrieve a ${def.verbose}`, params: [lookupParam], status: 200, response: def.output, responseName: def.name });

  const input = def.input;
  if (input && !def.noCreate) {
    app.post("/", async (c) => {
      const ctx = ctxOf(c);
      const can = access(d, ctx.principal, "add");
      if (can === false) deny();
      const parsed = input.safeParse(await jsonBody(c));
      if (!parsed.success) throw new ValidationError("Invalid input", fieldErrors(parsed.error));
      const data = parsed.data as Record<string, unknown>;
      const { row, extra } = await write(d, data, () =>
        c.env.store.transaction(async (tx) => {
          const txCtx = { ...ctx, repos: tx };
          if (def.create) return def.create(data, txCtx);
          const values = def.toValues ? await def.toValues(data, txCtx, null) : data;
          // Self-service creation: the row belongs to the caller, whatever the body says.
          if (can === "own") values[def.owner!] = ctx.principal.user.pk;
          const created = await tx.admin.insert(def.table, values);
          await def.afterWrite?.(created, data, txCtx, true);
          return { row: (await tx.admin.get(def.table, pkOf(d, created))) ?? created };
        }),
      );
      await auditModel(c, "model_created", { app: def.app, modelName: def.model, pk: pkOf(d, row), name: def.displayName(row) });
      return respond(ctx, row, 201, extra);
    });
    registry.add({ method: "post", path: base, operationId: opId(def.path, "create"), tag: def.tag, summary: `Create a ${def.verbose}`, body: input, bodyName: `${def.name}Request`, status: 201, response: def.output, responseName: def.name });
  }

  if (input && !def.noUpdate) {
    const partial = patchSchema(input);
    const update = (schema: z.ZodObject) => async (c: ApiContext) => {
      const ctx = ctxOf(c);
      const existing = await load(ctx, "change");
      const parsed = schema.safeParse(await jsonBody(c));
      if (!parsed.success) throw new ValidationError("Invalid input", fieldErrors(parsed.error));
      const data = parsed.data as Record<string, unknown>;
      const pk = pkOf(d, existing);
      const row = await write(d, data, () =>
        c.env.store.transaction(async (tx) => {
          const txCtx = { ...ctx, repos: tx };
          const values = def.toValues ? await def.toValues(data, txCtx, existing) : data;
          if (def.owner) delete values[def.owner];
          const updated = (await tx.admin.update(def.table, pk, values)) ?? existing;
          await def.afterWrite?.(updated, data, txCtx, false);
          return (await tx.admin.get(def.table, pk)) ?? updated;
        }),
      );
      await auditModel(c, "model_updated", { app: def.app, modelName: def.model, pk, name: def.displayName(row) });
      return respond(ctx, row, 200);
    };
    app.put("/:lookup", update(input));
    app.patch("/:lookup", update(partial));
    registry.add({ method: "put", path: detail, operationId: opId(def.path, "update"), tag: def.tag, summary: `Update a ${def.verbose}`, params: [lookupParam], body: input, bodyName: `${def.name}Request`, status: 200, response: def.output, responseName: def.name });
    registry.add({ method: "patch", path: detail, operationId: opId(def.path, "partial_update"), tag: def.tag, summary: `Update some fields of a ${def.verbose}`, params: [lookupParam], body: partial, bodyName: `Patched${def.name}Request`, status: 200, response: def.output, responseName: def.name });
  }

  if (!def.noDelete && (input || def.owner)) {
    app.delete("/:lookup", async (c) => {
      const ctx = ctxOf(c);
      const row = await load(ctx, "delete");
      await def.beforeDelete?.(row, ctx);
      const pk = pkOf(d, row);
      await write(d, {}, () => c.env.store.admin.delete(def.table, pk));
      await auditModel(c, "model_deleted", { app: def.app, modelName: def.model, pk, name: def.displayName(row) });
      return c.body(null, 204);
    });
    registry.add({ method: "delete", path: detail, operationId: opId(def.path, "destroy"), tag: def.tag, summary: `Delete a ${def.verbose}`, params: [lookupParam], status: 204, response: null });
  }
  return app;
}
