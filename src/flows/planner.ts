/**
 * The planner (authentik `authentik/flows/planner.py`): checks the flow's authentication
 * requirement, evaluates the flow's policies, and walks the stage bindings — evaluating now the
 * bindings marked `evaluate_on_plan` and leaving `re_evaluate_policies` bindings for the
 * executor to check right before their stage is shown.
 */
import type { Deps } from "../deps.js";
import type { Flow } from "../ports/flows.js";
import type { PolicyRequest } from "../ports/policy-engine.js";
import type { User } from "../ports/store.js";
import { ADMIN_USERNAME, bootstrap } from "../services/bootstrap.js";
import { CTX, PLAN_VERSION, type FlowPlan } from "./plan.js";
import type { RequestInfo } from "./stage.js";

export type PlanOutcome = { ok: true; plan: FlowPlan } | { ok: false; message: string };

export interface PlanInput {
  deps: Deps;
  flow: Flow;
  /** The user of the current authenticated session, if any. */
  user: User | null;
  request: RequestInfo;
  /** Initial context (protocol handlers pass `redirect`, `application`, …). */
  context?: Record<string, unknown>;
}

export const NOT_APPLICABLE = "Flow does not apply to current user.";

async function isSuperuser(deps: Deps, user: User): Promise<boolean> {
  const groups = await deps.store.groups.groupsOf(user.pk);
  return groups.some((g) => g.isSuperuser);
}

/** authentik's `FlowAuthenticationRequirement` check; a message when the user may not start the flow. */
async function checkAuthentication(deps: Deps, flow: Flow, user: User | null): Promise<string | null> {
  switch (flow.authentication) {
    case "none":
      return null;
    case "require_authenticated":
      return user ? null : NOT_APPLICABLE;
    case "require_unauthenticated":
      return user ? NOT_APPLICABLE : null;
    case "require_superuser":
      return user && (await isSuperuser(deps, user)) ? null : NOT_APPLICABLE;
    default:
      // require_redirect / require_outpost need protocol and outpost support that does not exist yet.
      return `Flow authentication requirement '${flow.authentication}' is not supported.`;
  }
}

export function policyRequest(
  request: RequestInfo,
  user: User | null,
  context: Record<string, unknown>,
): PolicyRequest {
  return {
    user,
    http: {
      ip: request.ip,
      userAgent: request.userAgent,
      host: request.host,
      path: request.path,
      country: request.country ?? null,
      asn: request.asn ?? null,
    },
    context,
  };
}

// --- Initial setup (the contract in src/blueprints/default/flow-oobe.yaml) ---------------------
/** Slug of the first-run flow (`/if/flow/initial-setup/`). */
export const INITIAL_SETUP_SLUG = "initial-setup";

/** A hash is usable unless missing or marked unusable (Django's `!` prefix). */
export function hasUsablePassword(user: User): boolean {
  return !!user.passwordHash && !user.passwordHash.startsWith("!");
}

/**
 * CEL cannot look users up, so the planner tells the flow's policy whether akadmin already has a
 * usable password, and makes akadmin (created first if missing) the pending user.
 */
async function initialSetupContext(deps: Deps): Promise<Record<string, unknown>> {
  let admin = await deps.store.users.byUsername(ADMIN_USERNAME);
  if (!admin) {
    await bootstrap(deps, {});
    admin = await deps.store.users.byUsername(ADMIN_USERNAME);
  }
  if (!admin) return {}; // without the flag the flow's policy fails closed
  return { akadmin_has_usable_password: hasUsablePassword(admin), [CTX.pendingUser]: admin.pk };
}
// -----------------------------------------------------------------------------------------------

/** Makes a plan for `flow`, or says why the user may not run it. */
export async function planFlow(input: PlanInput): Promise<PlanOutcome> {
  const { deps, flow, user, request } = input;
  const denied = await checkAuthentication(deps, flow, user);
  if (denied) return { ok: false, message: denied };

  const context: Record<string, unknown> = { ...input.context };
  // As in authentik, an authenticated user is the default pending user.
  if (user && context[CTX.pendingUser] === undefined) context[CTX.pendingUser] = user.pk;
  if (flow.slug === INITIAL_SETUP_SLUG) Object.assign(context, await initialSetupContext(deps));

  const preq = policyRequest(request, user, context);
  const flowResult = await deps.policyEngine.evaluate(flow.pk, preq);
  if (!flowResult.passing) return { ok: false, message: flowResult.messages.join(" ") || NOT_APPLICABLE };

  const bindings: FlowPlan["bindings"] = [];
  for (const b of await deps.store.flows.bindingsOf(flow.pk)) {
    if (b.evaluateOnPlan && !(await deps.policyEngine.evaluate(b.pk, preq)).passing) continue;
    bindings.push({
      bindingPk: b.pk,
      stagePk: b.stagePk,
      stageType: b.stage.type,
      order: b.order,
      reEvaluatePolicies: b.reEvaluatePolicies,
      invalidResponseAction: b.invalidResponseAction,
    });
  }
  return {
    ok: true,
    plan: { v: PLAN_VERSION, flowPk: flow.pk, flowSlug: flow.slug, bindings, index: 0, checkedIndex: -1, context },
  };
}
