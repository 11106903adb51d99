/**
 * The flow plan (DESIGN §5): versioned JSON in the cache under `flow:exec:<opaque id>`, not a
 * pickled session object as in authentik. The plan holds the bindings that survived planning,
 * the position of the current stage and the context stages share.
 */
import * as z from "zod";
import type { Cache } from "../ports/cache.js";

/** Context keys, named as authentik's `PLAN_CONTEXT_*` values. */
export const CTX = {
  /** The pk (number) of the user the flow acts for; never the user object. */
  pendingUser: "pending_user",
  /** What the user typed to identify (shown instead of the matched username where configured). */
  pendingUserIdentifier: "pending_user_identifier",
  promptData: "prompt_data",
  /** Where to go when the flow completes (set by protocol handlers; trusted). */
  redirect: "redirect",
  application: "application",
  authMethod: "auth_method",
  authMethodArgs: "auth_method_args",
  isRestored: "is_restored",
  /** The original query string parameters of the flow (authentik's `PLAN_CONTEXT_GET`). */
  get: "get",
  /** Failed password attempts in this execution. */
  invalidTries: "user_invalid_tries",
} as const;

export const PLAN_VERSION = 1;
/** Lifetime of an idle execution; every save refreshes it. */
export const PLAN_TTL_SECONDS = 30 * 60;

const bindingSchema = z.object({
  bindingPk: z.string(),
  stagePk: z.string(),
  stageType: z.string(),
  order: z.number().int(),
  reEvaluatePolicies: z.boolean(),
  invalidResponseAction: z.enum(["retry", "restart", "restart_with_context"]),
});

export const planSchema = z.object({
  v: z.literal(PLAN_VERSION),
  flowPk: z.string(),
  flowSlug: z.string(),
  bindings: z.array(bindingSchema),
  /** Position of the current binding; `bindings.length` when the plan is complete. */
  index: z.number().int().min(0),
  /** Index whose re-evaluated policies already passed (so a stage is checked once, before it is shown). */
  checkedIndex: z.number().int().default(-1),
  context: z.record(z.string(), z.unknown()),
});

export type PlanBinding = z.infer<typeof bindingSchema>;
export type FlowPlan = z.infer<typeof planSchema>;

export function execKey(executionId: string): string {
  return `flow:exec:${executionId}`;
}

/** Serialises a plan (plain JSON; the version lets later releases migrate or drop old plans). */
export function serialisePlan(plan: FlowPlan): string {
  return JSON.stringify(plan);
}

/** Parses stored plan data; anything unknown or of another version is `null` (the flow restarts). */
export function parsePlan(data: unknown): FlowPlan | null {
  const value = typeof data === "string" ? safeJson(data) : data;
  const parsed = planSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export async function loadPlan(cache: Cache, executionId: string): Promise<FlowPlan | null> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(executionId)) return null;
  return parsePlan(await cache.get(execKey(executionId)));
}

export async function savePlan(cache: Cache, executionId: string, plan: FlowPlan): Promise<void> {
  await cache.set(execKey(executionId), plan, PLAN_TTL_SECONDS);
}

export async function deletePlan(cache: Cache, executionId: string): Promise<void> {
  await cache.delete(execKey(executionId));
}

/** The current binding, or `null` when the plan is complete. */
export function currentBinding(plan: FlowPlan): PlanBinding | null {
  return plan.bindings[plan.index] ?? null;
}
