import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { policyBindingModels } from "./policies.js";

export const flowDesignation = pgEnum("flow_designation", [
  "authentication",
  "authorization",
  "invalidation",
  "enrollment",
  "unenrollment",
  "recovery",
  "stage_configuration",
]);

export const flowLayout = pgEnum("flow_layout", [
  "stacked",
  "content_left",
  "content_right",
  "sidebar_left",
  "sidebar_right",
]);

export const flowDeniedAction = pgEnum("flow_denied_action", [
  "message_continue",
  "message",
  "continue",
]);

export const flowAuthentication = pgEnum("flow_authentication", [
  "none",
  "require_authenticated",
  "require_unauthenticated",
  "require_superuser",
  "require_redirect",
  "require_outpost",
]);

export const invalidResponseAction = pgEnum("invalid_response_action", [
  "retry",
  "restart",
  "restart_with_context",
]);

/**
 * authentik_flows.flow. `flow_uuid` is also the flow's policy binding model (see
 * `policyBindingModels`); its policy engine mode lives there.
 */
export const flows = pgTable("flows", {
  flowUuid: uuid("flow_uuid")
    .primaryKey()
    .references(() => policyBindingModels.pbmUuid, { onDelete: "cascade" }),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  title: text("title").notNull(),
  designation: flowDesignation("designation").notNull(),
  layout: flowLayout("layout").notNull().default("stacked"),
  background: text("background").notNull().default(""),
  compatibilityMode: boolean("compatibility_mode").notNull().default(false),
  deniedAction: flowDeniedAction("denied_action").notNull().default("message_continue"),
  authentication: flowAuthentication("authentication").notNull().default("none"),
});

/** A stage; `type` names the stage file (e.g. "identification"), `config` holds its settings. */
export const stages = pgTable("stages", {
  stageUuid: uuid("stage_uuid").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  type: text("type").notNull(),
  config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
});

/** authentik_flows.flowstagebinding; also a policy binding model (shares `fsb_uuid`). */
export const flowStageBindings = pgTable(
  "flow_stage_bindings",
  {
    fsbUuid: uuid("fsb_uuid")
      .primaryKey()
      .references(() => policyBindingModels.pbmUuid, { onDelete: "cascade" }),
    targetId: uuid("target_id")
      .notNull()
      .references(() => flows.flowUuid, { onDelete: "cascade" }),
    stageId: uuid("stage_id")
      .notNull()
      .references(() => stages.stageUuid, { onDelete: "cascade" }),
    order: integer("order").notNull(),
    evaluateOnPlan: boolean("evaluate_on_plan").notNull().default(false),
    reEvaluatePolicies: boolean("re_evaluate_policies").notNull().default(true),
    invalidResponseAction: invalidResponseAction("invalid_response_action")
      .notNull()
      .default("retry"),
  },
  (t) => [
    unique("flow_stage_bindings_target_order_key").on(t.targetId, t.order),
    index("flow_stage_bindings_stage_idx").on(t.stageId),
  ],
);
