import { and, asc, count, desc, eq, gte, ilike, inArray, isNotNull, isNull, lte, ne, or, sql, type SQL } from "drizzle-orm";
import { getTableConfig, type AnyPgColumn, type PgTable } from "drizzle-orm/pg-core";
import { ValidationError } from "../../core/errors.js";
import * as s from "../../db/schema/index.js";
import type { AdminCondition, AdminRepository, AdminRow, AdminTable } from "../../ports/admin.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";

const TABLES: Record<AdminTable, PgTable> = {
  users: s.users,
  groups: s.groups,
  groupParents: s.groupParents,
  groupMemberships: s.groupMemberships,
  applications: s.applications,
  providers: s.providers,
  tokens: s.tokens,
  tokenKeys: s.tokenKeys,
  authenticatedSessions: s.authenticatedSessions,
  brands: s.brands,
  flows: s.flows,
  stages: s.stages,
  flowStageBindings: s.flowStageBindings,
  policies: s.policies,
  policyBindings: s.policyBindings,
  policyBindingModels: s.policyBindingModels,
  events: s.events,
  notifications: s.notifications,
  notificationRules: s.notificationRules,
  notificationRuleTransports: s.notificationRuleTransports,
  notificationTransports: s.notificationTransports,
  outposts: s.outposts,
  outpostProviders: s.outpostProviders,
  certificateKeyPairs: s.certificateKeyPairs,
  totpDevices: s.totpDevices,
  staticDevices: s.staticDevices,
  webauthnDevices: s.webauthnDevices,
  emailDevices: s.emailDevices,
};

/** Targets sharing their primary key with a `policy_binding_models` row (authentik's multi-table inheritance). */
const PBM_TABLES = new Set<AdminTable>(["flows", "applications", "flowStageBindings", "notificationRules"]);

interface TableInfo {
  table: PgTable;
  columns: Record<string, AnyPgColumn>;
  pk: AnyPgColumn | null;
}

const infoCache = new Map<AdminTable, TableInfo>();

function info(name: AdminTable): TableInfo {
  let i = infoCache.get(name);
  if (!i) {
    const table = TABLES[name];
    const config = getTableConfig(table);
    const columns: Record<string, AnyPgColumn> = {};
    for (const [key, col] of Object.entries(table as unknown as Record<string, unknown>)) {
      if (config.columns.includes(col as never)) columns[key] = col as AnyPgColumn;
    }
    const pk = config.columns.find((c) => c.primary) ?? null;
    i = { table, columns, pk: pk as AnyPgColumn | null };
    infoCache.set(name, i);
  }
  return i;
}

function column(i: TableInfo, name: string): AnyPgColumn {
  const col = i.columns[name];
  if (!col) throw new ValidationError(`unknown column ${name}`);
  return col;
}

/** `col` or, for `json.key`, the jsonb key as text. */
function expr(i: TableInfo, name: string): SQL | AnyPgColumn {
  const dot = name.indexOf(".");
  if (dot < 0) return column(i, name);
  return sql`(${column(i, name.slice(0, dot))} ->> ${name.slice(dot + 1)})`;
}

/** Whether `value` can be compared with `col` without Postgres raising (uuid / integer syntax). */
function comparable(col: SQL | AnyPgColumn, value: unknown): boolean {
  // PostgreSQL text cannot hold NUL: such a value matches nothing instead of failing the query.
  if (typeof value === "string" && value.includes("\u0000")) return false;
  if (!("columnType" in col)) return true;
  if (col.columnType === "PgUUID") return typeof value === "string" && isUuid(value);
  if (col.columnType === "PgInteger" || col.columnType === "PgBigInt53") {
    return typeof value === "number" ? Number.isSafeInteger(value) : /^-?\d{1,15}$/.test(String(value));
  }
  return true;
}

const NOTHING = sql`false`;

function condition(i: TableInfo, c: AdminCondition): SQL {
  const raw = expr(i, c.column);
  // drizzle's operators accept columns and SQL alike at runtime; its overloads want one or the other.
  const col = raw as SQL;
  switch (c.op) {
    case "isNull":
      return isNull(col);
    case "notNull":
      return isNotNull(col);
    case "in": {
      const values = c.value.filter((v) => comparable(raw, v));
      return values.length ? inArray(col, values as unknown[]) : NOTHING;
    }
    default: {
      if (!comparable(raw, c.value)) return c.op === "ne" ? sql`true` : NOTHING;
      const value = "columnType" in raw ? c.value : String(c.value);
      if (c.op === "eq") return eq(col, value);
      if (c.op === "ne") return ne(col, value);
      if (c.op === "gte") return gte(col, value);
      return lte(col, value);
    }
  }
}

function whereOf(i: TableInfo, where: AdminCondition[] | undefined, extra?: SQL): SQL | undefined {
  const parts = (where ?? []).map((c) => condition(i, c));
  if (extra) parts.push(extra);
  return parts.length ? and(...parts) : undefined;
}

function pkCondition(i: TableInfo, pk: string | number): SQL | null {
  if (!i.pk || !comparable(i.pk, pk)) return null;
  return eq(i.pk, pk);
}

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export function adminRepository(db: Db): AdminRepository {
  return {
    async list(name, q) {
      const i = info(name);
      const term = q.search?.term.replace(/\u0000/g, "");
      const search = term
        ? or(...q.search!.columns.map((c) => ilike(sql`(${expr(i, c)})::text`, `%${escapeLike(term)}%`)))
        : undefined;
      const where = whereOf(i, q.where, search);
      const order = (q.ordering ?? []).map((o) => (o.desc ? desc(expr(i, o.column) as SQL) : asc(expr(i, o.column) as SQL)));
      if (i.pk) order.push(asc(i.pk));
      const offset = (q.page - 1) * q.pageSize;
      const [rows, total] = await Promise.all([
        db.select().from(i.table).where(where).orderBy(...order).limit(q.pageSize).offset(offset),
        db.select({ n: count() }).from(i.table).where(where),
      ]);
      return { rows: rows as AdminRow[], count: Number(total[0]?.n ?? 0) };
    },

    async all(name, where, limit = 10_000) {
      const i = info(name);
      const query = db.select().from(i.table).where(whereOf(i, where)).limit(limit);
      return (await (i.pk ? query.orderBy(asc(i.pk)) : query)) as AdminRow[];
    },

    async get(name, value, columnName) {
      const i = info(name);
      const col = columnName ? column(i, columnName) : i.pk;
      if (!col || !comparable(col, value)) return null;
      const [row] = await db.select().from(i.table).where(eq(col, value)).limit(1);
      return (row as AdminRow | undefined) ?? null;
    },

    async insert(name, values) {
      const i = info(name);
      if (!PBM_TABLES.has(name)) {
        const [row] = await guard(db.insert(i.table).values(values).returning());
        return row as AdminRow;
      }
      // The policy binding model row first; the target shares its primary key (one transaction).
      return guard(
        db.transaction(async (tx) => {
          const [pbm] = await tx.insert(s.policyBindingModels).values({}).returning();
          const [row] = await tx
            .insert(i.table)
            .values({ ...values, [pkKey(i)]: pbm!.pbmUuid })
            .returning();
          return row as AdminRow;
        }),
      );
    },

    async update(name, pk, values) {
      const i = info(name);
      const cond = pkCondition(i, pk);
      if (!cond) return null;
      if (Object.keys(values).length === 0) return this.get(name, pk);
      const [row] = await guard(db.update(i.table).set(values).where(cond).returning());
      return (row as AdminRow | undefined) ?? null;
    },

    async delete(name, pk) {
      const i = info(name);
      const cond = pkCondition(i, pk);
      if (!cond) return false;
      if (PBM_TABLES.has(name)) {
        // Deleting the pbm row cascades to the target and its policy bindings.
        const rows = await guard(
          db.delete(s.policyBindingModels).where(eq(s.policyBindingModels.pbmUuid, String(pk))).returning(),
        );
        return rows.length > 0;
      }
      const rows = await guard(db.delete(i.table).where(cond).returning());
      return rows.length > 0;
    },

    async deleteWhere(name, where) {
      if (where.length === 0) throw new Error("deleteWhere needs a condition");
      const i = info(name);
      const rows = await guard(db.delete(i.table).where(whereOf(i, where)).returning());
      return rows.length;
    },

    async setLinks(name, ownerColumn, ownerPk, otherColumn, otherPks) {
      const i = info(name);
      const owner = column(i, ownerColumn);
      column(i, otherColumn); // validates the name
      const wanted = [...new Set(otherPks)];
      await guard(
        db.transaction(async (tx) => {
          await tx.delete(i.table).where(eq(owner, ownerPk));
          if (wanted.length) {
            await tx.insert(i.table).values(wanted.map((pk) => ({ [ownerColumn]: ownerPk, [otherColumn]: pk })));
          }
        }),
      );
    },

    async count(name, where) {
      const i = info(name);
      const [row] = await db.select({ n: count() }).from(i.table).where(whereOf(i, where));
      return Number(row?.n ?? 0);
    },

    async histogram(name, dateColumn, groupColumn, since, where) {
      const i = info(name);
      const date = column(i, dateColumn);
      const key = expr(i, groupColumn);
      const day = sql<string>`to_char(${date} at time zone 'UTC', 'YYYY-MM-DD')`;
      const rows = await db
        .select({ day, key: sql<string>`(${key})::text`, n: count() })
        .from(i.table)
        .where(whereOf(i, where, gte(date, since)))
        .groupBy(day, key as SQL)
        .orderBy(day);
      return rows.map((r) => ({ day: new Date(`${r.day}T00:00:00Z`), key: r.key, count: Number(r.n) }));
    },
  };
}

function pkKey(i: TableInfo): string {
  for (const [key, col] of Object.entries(i.columns)) if (col === i.pk) return key;
  throw new Error("table has no primary key");
}
