/**
 * Stages a protocol adds to a plan without a database row (authentik's `in_memory_stage`): the
 * binding's stage pk names one of these, and the executor loads it from here.
 */
import type { Stage } from "../ports/flows.js";
import type { PlanBinding } from "./plan.js";

const PREFIX = "inmemory:";

const STAGES: Record<string, Stage> = {
  // OIDC `prompt=consent` when the authorization flow has no consent stage (authentik's
  // "OAuth2 Provider In-memory consent stage").
  [`${PREFIX}oauth2-consent`]: { pk: `${PREFIX}oauth2-consent`, name: "OAuth2 Provider In-memory consent stage", type: "consent", config: { mode: "always_require" } },
};

export type InMemoryStage = "oauth2-consent";

/** A binding of the in-memory stage `key`, placed just before the plan's fulfilment step. */
export function inMemoryBinding(key: InMemoryStage): PlanBinding {
  const stage = STAGES[PREFIX + key]!;
  return { bindingPk: stage.pk, stagePk: stage.pk, stageType: stage.type, order: Number.MAX_SAFE_INTEGER - 1, reEvaluatePolicies: false, invalidResponseAction: "retry" };
}

/** The in-memory stage a binding names, or undefined for stages stored in the database. */
export function inMemoryStage(stagePk: string): Stage | undefined {
  return stagePk.startsWith(PREFIX) ? STAGES[stagePk] : undefined;
}
