/**
 * The blueprint applier on Postgres: maps authentik models onto our tables (see
 * `src/blueprints/models.ts`) and runs a whole blueprint in ONE transaction, so a failing entry
 * leaves the database untouched.
 */
import { and, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import {
  applyEntries,
  type ApplyOptions,
  type ApplyResult,
  type ModelCatalog,
  type ModelHandler,
  type ModelObject,
  type Pk,
} from "../../blueprints/apply.js";
import { defaultBlueprints } from "../../blueprints/defaults.js";
import { classifyModel, type ModelKind } from "../../blueprints/models.js";
import type { Blueprint } from "../../blueprints/types.js";
import { ThresholdError } from "../../core/errors.js";
import * as s from "../../db/schema/index.js";
import { SCOPE_MAPPING_MODEL, scopeMappingCatalog } from "./blueprint-scope-mappings.js";
import { isUuid, type Db } from "./db.js";
import { forgetClients } from "./oauth2.js";
import { translateError } from "./errors.js";

export type { ApplyOptions, ApplyResult } from "../../blueprints/apply.js";

/** Applies `blueprint` in one transaction; throws `BlueprintEntryError` (nothing applied). */
export async function applyBlueprint(db: Db, blueprint: Blueprint, opts: ApplyOptions = {}): Promise<ApplyResult> {
  try {
    return await db.transaction((tx) => applyEntries(blueprint, postgresCatalog(tx), opts));
  } finally {
    forgetClients(); // providers may have changed (OAuth2 client cache)
  }
}

/**
 * Applies the default blueprints (`src/blueprints/defaults.ts`) in order, all in ONE transaction:
 * a first start either gets every default flow and the brand, or nothing.
 */
export async function applyDefaultBlueprints(
  db: Db,
  opts: ApplyOptions = {},
): Promise<Array<{ file: string; result: ApplyResult }>> {
  const blueprints = defaultBlueprints();
  return db.transaction(async (tx) => {
    const out: Array<{ file: string; result: ApplyResult }> = [];
    for (const d of blueprints) out.push({ file: d.file, result: await applyEntries(d.blueprint, postgresCatalog(tx), opts) });
    return out;
  });
}

/** A many-to-many list stored in a link table (`groups` of a user, `parents` of a group). */
export interface Link {
  table: PgTable;
  self: PgColumn;
  other: PgColumn;
  selfKey: string;
  otherKey: string;
}

/** How one authentik model maps onto a table. Attribute names are authentik's; values are
 * drizzle property keys of `table`. */
export interface Spec {
  table: PgTable;
  pk: string;
  columns: Record<string, string>;
  /** jsonb column receiving every attribute that is not a column (stage/policy config). */
  bag?: string;
  /** Discriminator column and value (stages.type, policies.type, providers.type). */
  type?: [string, string];
  /** The pk is a `policy_binding_models` row (flows, stage bindings, applications). */
  pbm?: boolean;
  /** Accepted but never stored (a user's `password`: blueprints set no passwords). */
  ignore?: readonly string[];
  links?: Record<string, Link>;
}

const link = (table: PgTable, self: string, other: string): Link => {
  const cols = table as unknown as Record<string, PgColumn>;
  return { table, self: cols[self]!, other: cols[other]!, selfKey: self, otherKey: other };
};

/** How `kind` maps onto its table (also read by the exporter, `blueprint-export.ts`). */
export function specFor(kind: ModelKind): Spec {
  switch (kind.kind) {
    case "flow":
      return {
        table: s.flows,
        pk: "flowUuid",
        pbm: true,
        columns: {
          slug: "slug", name: "name", title: "title", designation: "designation", layout: "layout",
          background: "background", compatibility_mode: "compatibilityMode",
          denied_action: "deniedAction", authentication: "authentication",
        },
      };
    case "flowstagebinding":
      return {
        table: s.flowStageBindings,
        pk: "fsbUuid",
        pbm: true,
        columns: {
          target: "targetId", stage: "stageId", order: "order", evaluate_on_plan: "evaluateOnPlan",
          re_evaluate_policies: "reEvaluatePolicies", invalid_response_action: "invalidResponseAction",
        },
      };
    case "stage":
      return { table: s.stages, pk: "stageUuid", columns: { name: "name" }, bag: "config", type: ["type", kind.type] };
    case "policy":
      return {
        table: s.policies,
        pk: "policyUuid",
        columns: { name: "name", execution_logging: "executionLogging" },
        bag: "config",
        type: ["type", kind.type],
      };
    case "policybinding":
      return {
        table: s.policyBindings,
        pk: "policyBindingUuid",
        columns: {
          target: "targetId", policy: "policyId", group: "groupId", user: "userId", negate: "negate",
          enabled: "enabled", order: "order", timeout: "timeout", failure_result: "failureResult",
        },
      };
    case "group":
      return {
        table: s.groups,
        pk: "groupUuid",
        columns: { name: "name", is_superuser: "isSuperuser", attributes: "attributes" },
        links: {
          parents: link(s.groupParents, "childId", "parentId"),
          users: link(s.groupMemberships, "groupId", "userId"),
        },
      };
    case "user":
      return {
        table: s.users,
        pk: "id",
        columns: {
          username: "username", name: "name", email: "email", is_active: "isActive", type: "type",
          path: "path", attributes: "attributes",
        },
        ignore: ["password"],
        links: { groups: link(s.groupMemberships, "userId", "groupId") },
      };
    case "application":
      return {
        table: s.applications,
        pk: "pbmUuid",
        pbm: true,
        columns: {
          name: "name", slug: "slug", group: "group", provider: "providerId",
          meta_launch_url: "metaLaunchUrl", meta_icon: "metaIcon", meta_description: "metaDescription",
          meta_publisher: "metaPublisher", open_in_new_tab: "openInNewTab",
        },
      };
    case "brand":
      return {
        table: s.brands,
        pk: "brandUuid",
        columns: {
          domain: "domain", default: "default", branding_title: "brandingTitle",
          branding_logo: "brandingLogo", branding_favicon: "brandingFavicon",
          branding_custom_css: "brandingCustomCss", flow_authentication: "flowAuthenticationId",
          flow_invalidation: "flowInvalidationId", flow_recovery: "flowRecoveryId",
          flow_unenrollment: "flowUnenrollmentId", flow_user_settings: "flowUserSettingsId",
          flow_device_code: "flowDeviceCodeId", attributes: "attributes",
        },
      };
    case "provider":
      return {
        table: s.providers,
        pk: "id",
        columns: {
          name: "name", authentication_flow: "authenticationFlowId",
          authorization_flow: "authorizationFlowId", invalidation_flow: "invalidationFlowId",
        },
        bag: "settings",
        type: ["type", kind.type],
      };
  }
}

/** The catalog bound to one transaction. */
export function postgresCatalog(db: Db): ModelCatalog {
  const handlers = new Map<string, ModelHandler | undefined>();
  const scopeMappings = scopeMappingCatalog(db);
  const handler = (model: string) => {
    if (!handlers.has(model)) {
      const kind = classifyModel(model);
      const table = kind ? tableHandler(db, specFor(kind)) : undefined;
      // OAuth2 scope mappings live inline on providers (see blueprint-scope-mappings.ts).
      if (model === SCOPE_MAPPING_MODEL) handlers.set(model, scopeMappings.handler);
      else if (table && kind?.kind === "provider" && kind.type === "oauth2") {
        handlers.set(model, { ...table, prepare: (values) => table.prepare(scopeMappings.inline(values)) });
      } else handlers.set(model, table);
    }
    return handlers.get(model);
  };
  return {
    handler,
    async find(model, conditions) {
      if (model === SCOPE_MAPPING_MODEL) return scopeMappings.find(conditions);
      const kind = classifyModel(model);
      if (!kind) return null;
      const found = await tableHandler(db, specFor(kind)).findAll(Object.fromEntries(conditions));
      return found?.pk ?? null;
    },
  };
}

/** Postgres rejects malformed uuids / non-integers in comparisons; such lookups find nothing. */
function fits(col: PgColumn, value: unknown): boolean {
  if (value === null) return true;
  if (col.columnType === "PgUUID") return typeof value === "string" && isUuid(value);
  if (col.columnType === "PgInteger") return Number.isSafeInteger(Number(value)) && value !== "";
  return true;
}

function dbError(e: unknown): unknown {
  const t = translateError(e);
  if (t instanceof ThresholdError) return t;
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? new Error(cause.message, { cause: e }) : e;
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw dbError(e);
  }
}

function tableHandler(db: Db, spec: Spec): ModelHandler & { findAll(c: Record<string, unknown>): Promise<ModelObject | null> } {
  const cols = spec.table as unknown as Record<string, PgColumn>;
  const pkCol = cols[spec.pk]!;
  const typeFilter = spec.type ? eq(cols[spec.type[0]]!, spec.type[1]) : undefined;
  const links = spec.links ?? {};

  /** One condition per identifier; null when it can never match. */
  const condition = (key: string, value: unknown): SQL | null => {
    const col = key === "pk" ? pkCol : spec.columns[key] ? cols[spec.columns[key]]! : undefined;
    if (col) {
      if (!fits(col, value)) return null;
      return value === null ? isNull(col) : eq(col, value);
    }
    if (spec.bag) return sql`${cols[spec.bag]!} @> ${JSON.stringify({ [key]: value })}::jsonb`;
    throw new Error(`cannot look up ${key}: not a field of this model`);
  };

  const load = async (where: SQL | undefined): Promise<ModelObject | null> => {
    const [row] = await db.select().from(spec.table).where(and(typeFilter, where)).limit(1);
    if (!row) return null;
    const r = row as Record<string, unknown>;
    const pk = r[spec.pk] as Pk;
    const attrs: Record<string, unknown> = spec.bag ? { ...(r[spec.bag] as Record<string, unknown>) } : {};
    for (const [attr, key] of Object.entries(spec.columns)) attrs[attr] = r[key];
    if (spec.pbm) {
      const [p] = await db.select().from(s.policyBindingModels).where(eq(s.policyBindingModels.pbmUuid, pk as string));
      attrs.policy_engine_mode = p?.policyEngineMode;
    }
    for (const [attr, l] of Object.entries(links)) {
      const rows = await db.select({ v: l.other }).from(l.table).where(eq(l.self, pk));
      attrs[attr] = sortIds(rows.map((x) => x.v));
    }
    return { pk, attrs };
  };

  const split = (values: Record<string, unknown>) => {
    const row: Record<string, unknown> = {};
    const bag: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) {
      if (spec.columns[k]) row[spec.columns[k]] = v;
      else if (!links[k] && k !== "policy_engine_mode") bag[k] = v;
    }
    return { row, bag };
  };

  const writeLinks = async (pk: Pk, values: Record<string, unknown>, replace: boolean) => {
    for (const [attr, l] of Object.entries(links)) {
      if (!(attr in values)) continue;
      if (replace) await db.delete(l.table).where(eq(l.self, pk));
      const ids = (values[attr] as unknown[] | null) ?? [];
      if (ids.length > 0) await db.insert(l.table).values(ids.map((id) => ({ [l.selfKey]: pk, [l.otherKey]: id })) as never);
    }
  };

  return {
    prepare(values) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) {
        if (spec.ignore?.includes(k)) continue;
        if (links[k]) out[k] = sortIds(Array.isArray(v) ? v : v === null ? [] : [v]);
        else if (spec.columns[k] || spec.bag || (spec.pbm && k === "policy_engine_mode")) out[k] = v;
      }
      return out;
    },

    async find(identifiers) {
      const { pk, ...rest } = identifiers;
      const others = Object.entries(rest).map(([k, v]) => condition(k, v));
      const byOthers = others.length === 0 || others.includes(null) ? undefined : and(...(others as SQL[]));
      const byPk = pk === undefined ? undefined : condition("pk", pk);
      const where = byPk && byOthers ? or(byPk, byOthers) : (byPk ?? byOthers);
      return where ? guarded(() => load(where)) : null;
    },

    async findAll(conditions) {
      const parts = Object.entries(conditions).map(([k, v]) => condition(k, v));
      if (parts.length === 0 || parts.includes(null)) return null;
      return guarded(() => load(and(...(parts as SQL[]))));
    },

    create: (values, identifiers) =>
      guarded(async () => {
        const { row, bag } = split(values);
        if (identifiers.pk !== undefined) row[spec.pk] = identifiers.pk;
        if (spec.pbm) {
          const pbm: Record<string, unknown> = { policyEngineMode: values.policy_engine_mode ?? undefined };
          if (identifiers.pk !== undefined) pbm.pbmUuid = identifiers.pk;
          const [p] = await db.insert(s.policyBindingModels).values(pbm as never).returning();
          row[spec.pk] = p!.pbmUuid;
        }
        if (spec.bag) row[spec.bag] = bag;
        if (spec.type) row[spec.type[0]] = spec.type[1];
        const [created] = (await db.insert(spec.table).values(row as never).returning()) as Array<Record<string, unknown>>;
        const pk = created![spec.pk] as Pk;
        await writeLinks(pk, values, false);
        return pk;
      }),

    update: (pk, values) =>
      guarded(async () => {
        const { row, bag } = split(values);
        if (spec.bag && Object.keys(bag).length > 0) {
          const [cur] = (await db.select().from(spec.table).where(eq(pkCol, pk))) as Array<Record<string, unknown>>;
          row[spec.bag] = { ...(cur?.[spec.bag] as Record<string, unknown>), ...bag };
        }
        if (Object.keys(row).length > 0) await db.update(spec.table).set(row as never).where(eq(pkCol, pk));
        if (spec.pbm && values.policy_engine_mode !== undefined) {
          await db
            .update(s.policyBindingModels)
            .set({ policyEngineMode: values.policy_engine_mode as "any" | "all" })
            .where(eq(s.policyBindingModels.pbmUuid, pk as string));
        }
        await writeLinks(pk, values, true);
      }),

    delete: (pk) =>
      guarded(async () => {
        // Deleting the policy binding model row cascades to the target and its bindings.
        if (spec.pbm) await db.delete(s.policyBindingModels).where(eq(s.policyBindingModels.pbmUuid, pk as string));
        else await db.delete(spec.table).where(eq(pkCol, pk));
      }),
  };
}

function sortIds(ids: unknown[]): unknown[] {
  return [...ids].sort((a, b) => String(a).localeCompare(String(b)));
}
