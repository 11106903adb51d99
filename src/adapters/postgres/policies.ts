import { asc, eq, getTableColumns, inArray, sql, type Placeholder } from "drizzle-orm";
import { NotFoundError } from "../../core/errors.js";
import type {
  LoadedBinding,
  Policy,
  PolicyBinding,
  PolicyEngineMode,
  PolicyRepository,
} from "../../ports/policies.js";
import {
  groupMemberships,
  groupParents,
  groups,
  policies,
  policyBindingModels,
  policyBindings,
} from "../../db/schema/index.js";
import { toGroup } from "./groups.js";
import { isUuid, rowsOf, type Db } from "./db.js";
import { guard } from "./errors.js";

type PolicyRow = typeof policies.$inferSelect;
type BindingRow = typeof policyBindings.$inferSelect;

function toPolicy(row: PolicyRow): Policy {
  return {
    pk: row.policyUuid,
    name: row.name,
    type: row.type,
    config: row.config,
    executionLogging: row.executionLogging,
  };
}

function toBinding(row: BindingRow): PolicyBinding {
  return {
    pk: row.policyBindingUuid,
    targetPk: row.targetId,
    policyPk: row.policyId,
    groupPk: row.groupId,
    userPk: row.userId,
    negate: row.negate,
    enabled: row.enabled,
    order: row.order,
    timeout: row.timeout,
    failureResult: row.failureResult,
  };
}

/**
 * The user's direct groups and all their ancestors (nested groups: membership of a child implies
 * membership of its parents, as authentik's `User.all_groups()`). `UNION` (not `UNION ALL`)
 * stops on cycles.
 */
function allGroupIdsQuery(userPk: number | Placeholder) {
  return sql`
    with recursive member_of(group_id) as (
      select ${groupMemberships.groupId} from ${groupMemberships} where ${groupMemberships.userId} = ${userPk}
      union
      select gp.parent_id from group_parents gp join member_of m on gp.child_id = m.group_id
    )
    select group_id from member_of`;
}

/**
 * A user's groups, direct and inherited, with their parent links: read for every scope mapping
 * and policy evaluation (each token grant), so built once per database handle and prepared.
 */
function allGroupsStatement(db: Db) {
  return db
    .select({
      ...getTableColumns(groups),
      parentPks: sql<string[]>`array(select ${groupParents.parentId}::text from ${groupParents} where ${groupParents.childId} = ${groups.groupUuid})`,
    })
    .from(groups)
    .where(sql`${groups.groupUuid} in (${allGroupIdsQuery(sql.placeholder("user"))})`)
    .orderBy(asc(groups.name))
    .prepare("threshold_all_groups_of");
}
const allGroupsStatements = new WeakMap<Db, ReturnType<typeof allGroupsStatement>>();

export function policyRepository(db: Db): PolicyRepository {
  return {
    async create(policy) {
      const [row] = await guard(
        db
          .insert(policies)
          .values({
            name: policy.name,
            type: policy.type,
            config: policy.config ?? {},
            executionLogging: policy.executionLogging ?? false,
          })
          .returning(),
      );
      return toPolicy(row!);
    },

    async byPk(pk) {
      if (!isUuid(pk)) return null;
      const [row] = await db.select().from(policies).where(eq(policies.policyUuid, pk)).limit(1);
      return row ? toPolicy(row) : null;
    },

    async byName(name) {
      const [row] = await db.select().from(policies).where(eq(policies.name, name)).limit(1);
      return row ? toPolicy(row) : null;
    },

    async update(pk, patch) {
      if (!isUuid(pk)) throw new NotFoundError(`policy ${pk} does not exist`);
      const [row] = await db
        .update(policies)
        .set({
          ...(patch.config !== undefined ? { config: patch.config } : {}),
          ...(patch.executionLogging !== undefined ? { executionLogging: patch.executionLogging } : {}),
          lastUpdated: sql`now()`,
        })
        .where(eq(policies.policyUuid, pk))
        .returning();
      if (!row) throw new NotFoundError(`policy ${pk} does not exist`);
      return toPolicy(row);
    },

    async createTarget(mode = "any") {
      const [row] = await db.insert(policyBindingModels).values({ policyEngineMode: mode }).returning();
      return row!.pbmUuid;
    },

    async setEngineMode(targetPk, mode) {
      if (!isUuid(targetPk)) throw new NotFoundError(`policy target ${targetPk} does not exist`);
      const rows = await db
        .update(policyBindingModels)
        .set({ policyEngineMode: mode })
        .where(eq(policyBindingModels.pbmUuid, targetPk))
        .returning({ pk: policyBindingModels.pbmUuid });
      if (rows.length === 0) throw new NotFoundError(`policy target ${targetPk} does not exist`);
    },

    async engineMode(targetPk) {
      if (!isUuid(targetPk)) return null;
      const [row] = await db
        .select({ mode: policyBindingModels.policyEngineMode })
        .from(policyBindingModels)
        .where(eq(policyBindingModels.pbmUuid, targetPk))
        .limit(1);
      return (row?.mode as PolicyEngineMode | undefined) ?? null;
    },

    async bind(binding) {
      for (const id of [binding.targetPk, binding.policyPk, binding.groupPk]) {
        if (id != null && !isUuid(id)) throw new NotFoundError(`referenced row ${id} does not exist`);
      }
      const [row] = await guard(
        db
          .insert(policyBindings)
          .values({
            targetId: binding.targetPk,
            policyId: binding.policyPk ?? null,
            groupId: binding.groupPk ?? null,
            userId: binding.userPk ?? null,
            negate: binding.negate,
            enabled: binding.enabled,
            order: binding.order,
            timeout: binding.timeout,
            failureResult: binding.failureResult,
          })
          .returning(),
      );
      return toBinding(row!);
    },

    async bindingsOf(targetPk) {
      if (!isUuid(targetPk)) return [];
      const rows = await db
        .select()
        .from(policyBindings)
        .where(eq(policyBindings.targetId, targetPk))
        .orderBy(asc(policyBindings.order), asc(policyBindings.policyBindingUuid));
      return rows.map(toBinding);
    },

    async loadTarget(targetPk) {
      if (!isUuid(targetPk)) return null;
      // One statement: the target row left-joined to its enabled bindings and their policies.
      const rows = await db
        .select({ mode: policyBindingModels.policyEngineMode, binding: policyBindings, policy: policies })
        .from(policyBindingModels)
        .leftJoin(
          policyBindings,
          sql`${policyBindings.targetId} = ${policyBindingModels.pbmUuid} and ${policyBindings.enabled}`,
        )
        .leftJoin(policies, eq(policies.policyUuid, policyBindings.policyId))
        .where(eq(policyBindingModels.pbmUuid, targetPk))
        .orderBy(asc(policyBindings.order), asc(policyBindings.policyBindingUuid));
      if (rows.length === 0) return null;
      const bindings: LoadedBinding[] = rows
        .filter((r) => r.binding !== null)
        .map((r) => ({ ...toBinding(r.binding!), policy: r.policy ? toPolicy(r.policy) : null }));
      return { pk: targetPk, mode: rows[0]!.mode as PolicyEngineMode, bindings };
    },

    async isMemberOf(userPk, groupPk) {
      if (!Number.isSafeInteger(userPk) || !isUuid(groupPk)) return false;
      const result = await db.execute<{ found: boolean }>(
        sql`select exists(select 1 from (${allGroupIdsQuery(userPk)}) g where g.group_id = ${groupPk}) as found`,
      );
      return rowsOf<{ found: boolean }>(result)[0]?.found === true;
    },

    // One round trip (it runs for every mapping and policy evaluation): the groups, nested
    // included, each with its parent links.
    async allGroupsOf(userPk) {
      if (!Number.isSafeInteger(userPk)) return [];
      let query = allGroupsStatements.get(db);
      if (!query) allGroupsStatements.set(db, (query = allGroupsStatement(db)));
      const rows = await query.execute({ user: userPk });
      return rows.map((r) => toGroup(r, r.parentPks ?? []));
    },
  };
}
