import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { groups } from "./groups.js";
import { users } from "./users.js";

export const policyEngineMode = pgEnum("policy_engine_mode", ["any", "all"]);

/**
 * authentik's `PolicyBindingModel`: anything policies can be bound to (flows, stage bindings,
 * applications, later sources). As in authentik's multi-table inheritance, each target row shares
 * its primary key with one row here (`flows.flow_uuid`, `flow_stage_bindings.fsb_uuid`,
 * `applications.pbm_uuid` reference `pbm_uuid` ON DELETE CASCADE): create the pbm row first, and
 * delete the pbm row to delete the target together with its policy bindings.
 */
export const policyBindingModels = pgTable("policy_binding_models", {
  pbmUuid: uuid("pbm_uuid").primaryKey().defaultRandom(),
  /** How the target combines its bindings: any (default) passes if one passes, all if all pass. */
  policyEngineMode: policyEngineMode("policy_engine_mode").notNull().default("any"),
});

/** A policy (expression, password, reputation, …); typed settings live in `config`. */
export const policies = pgTable("policies", {
  policyUuid: uuid("policy_uuid").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  /** Policy type id, e.g. "expression", "password", "reputation". */
  type: text("type").notNull(),
  config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
  executionLogging: boolean("execution_logging").notNull().default(false),
  created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  lastUpdated: timestamp("last_updated", { withTimezone: true }).notNull().defaultNow(),
});

/** authentik_policies.policybinding: binds exactly one of policy / group / user to a target. */
export const policyBindings = pgTable(
  "policy_bindings",
  {
    policyBindingUuid: uuid("policy_binding_uuid").primaryKey().defaultRandom(),
    targetId: uuid("target_id")
      .notNull()
      .references(() => policyBindingModels.pbmUuid, { onDelete: "cascade" }),
    policyId: uuid("policy_id").references(() => policies.policyUuid, { onDelete: "cascade" }),
    groupId: uuid("group_id").references(() => groups.groupUuid, { onDelete: "cascade" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    negate: boolean("negate").notNull().default(false),
    enabled: boolean("enabled").notNull().default(true),
    order: integer("order").notNull(),
    /** Seconds before the evaluation is abandoned (then `failure_result` applies). */
    timeout: integer("timeout").notNull().default(30),
    failureResult: boolean("failure_result").notNull().default(false),
  },
  (t) => [
    index("policy_bindings_target_order_idx").on(t.targetId, t.order),
    check(
      "policy_bindings_one_subject",
      sql`num_nonnulls(${t.policyId}, ${t.groupId}, ${t.userId}) = 1`,
    ),
  ],
);
