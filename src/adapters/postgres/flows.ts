import { asc, eq, sql } from "drizzle-orm";
import type {
  BoundStage,
  Flow,
  FlowRepository,
  FlowStageBinding,
  Stage,
} from "../../ports/flows.js";
import { flowStageBindings, flows, policyBindingModels, stages, users } from "../../db/schema/index.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";
import { toUser } from "./users.js";

type FlowRow = typeof flows.$inferSelect;
type StageRow = typeof stages.$inferSelect;
type BindingRow = typeof flowStageBindings.$inferSelect;

function toFlow(row: FlowRow, mode: "any" | "all"): Flow {
  return {
    pk: row.flowUuid,
    slug: row.slug,
    name: row.name,
    title: row.title,
    designation: row.designation,
    layout: row.layout,
    background: row.background,
    compatibilityMode: row.compatibilityMode,
    deniedAction: row.deniedAction,
    authentication: row.authentication,
    policyEngineMode: mode,
  };
}

function toStage(row: StageRow): Stage {
  return { pk: row.stageUuid, name: row.name, type: row.type, config: row.config };
}

function toBinding(row: BindingRow): FlowStageBinding {
  return {
    pk: row.fsbUuid,
    targetPk: row.targetId,
    stagePk: row.stageId,
    order: row.order,
    evaluateOnPlan: row.evaluateOnPlan,
    reEvaluatePolicies: row.reEvaluatePolicies,
    invalidResponseAction: row.invalidResponseAction,
  };
}

export function flowRepository(db: Db): FlowRepository {
  const selectFlow = () =>
    db
      .select({ flow: flows, mode: policyBindingModels.policyEngineMode })
      .from(flows)
      .innerJoin(policyBindingModels, eq(policyBindingModels.pbmUuid, flows.flowUuid));

  return {
    async bySlug(slug) {
      const [row] = await selectFlow().where(eq(flows.slug, slug)).limit(1);
      return row ? toFlow(row.flow, row.mode) : null;
    },

    async byPk(pk) {
      if (!isUuid(pk)) return null;
      const [row] = await selectFlow().where(eq(flows.flowUuid, pk)).limit(1);
      return row ? toFlow(row.flow, row.mode) : null;
    },

    async firstByDesignation(designation) {
      const [row] = await selectFlow().where(eq(flows.designation, designation)).orderBy(asc(flows.slug)).limit(1);
      return row ? toFlow(row.flow, row.mode) : null;
    },

    async bindingsOf(flowPk) {
      if (!isUuid(flowPk)) return [];
      const rows = await db
        .select({ binding: flowStageBindings, stage: stages })
        .from(flowStageBindings)
        .innerJoin(stages, eq(stages.stageUuid, flowStageBindings.stageId))
        .where(eq(flowStageBindings.targetId, flowPk))
        .orderBy(asc(flowStageBindings.order));
      return rows.map((r): BoundStage => ({ ...toBinding(r.binding), stage: toStage(r.stage) }));
    },

    async stageByPk(pk) {
      if (!isUuid(pk)) return null;
      const [row] = await db.select().from(stages).where(eq(stages.stageUuid, pk)).limit(1);
      return row ? toStage(row) : null;
    },

    async createFlow(flow) {
      // Multi-table inheritance: the policy binding model row comes first (shared primary key).
      return guard(
        db.transaction(async (tx) => {
          const [pbm] = await tx
            .insert(policyBindingModels)
            .values({ policyEngineMode: flow.policyEngineMode })
            .returning();
          const [row] = await tx
            .insert(flows)
            .values({
              flowUuid: pbm!.pbmUuid,
              slug: flow.slug,
              name: flow.name,
              title: flow.title,
              designation: flow.designation,
              layout: flow.layout,
              background: flow.background,
              compatibilityMode: flow.compatibilityMode,
              deniedAction: flow.deniedAction,
              authentication: flow.authentication,
            })
            .returning();
          return toFlow(row!, pbm!.policyEngineMode);
        }),
      );
    },

    async createStage(stage) {
      const [row] = await guard(
        db.insert(stages).values({ name: stage.name, type: stage.type, config: stage.config ?? {} }).returning(),
      );
      return toStage(row!);
    },

    async createBinding(binding) {
      return guard(
        db.transaction(async (tx) => {
          const [pbm] = await tx.insert(policyBindingModels).values({}).returning();
          const [row] = await tx
            .insert(flowStageBindings)
            .values({
              fsbUuid: pbm!.pbmUuid,
              targetId: binding.targetPk,
              stageId: binding.stagePk,
              order: binding.order,
              evaluateOnPlan: binding.evaluateOnPlan,
              reEvaluatePolicies: binding.reEvaluatePolicies,
              invalidResponseAction: binding.invalidResponseAction,
            })
            .returning();
          return toBinding(row!);
        }),
      );
    },

    async findUser(field, value, caseInsensitive) {
      const column =
        field === "username" ? users.username : field === "email" ? users.email : sql`${users.attributes}->>'upn'`;
      const condition = caseInsensitive ? sql`lower(${column}) = lower(${value})` : sql`${column} = ${value}`;
      const [row] = await db.select().from(users).where(condition).orderBy(asc(users.id)).limit(1);
      return row ? toUser(row) : null;
    },

    async recordLogin(userPk, at) {
      if (!Number.isSafeInteger(userPk)) return;
      await db.update(users).set({ lastLogin: at }).where(eq(users.id, userPk));
    },
  };
}
