/**
 * Fulfilment steps (DESIGN §5): protocol handlers (OIDC authorize, SAML SSO) plan a flow and
 * append an in-memory step that completes the protocol exchange when the flow's stages are done
 * (authentik appends `OAuthFulfillmentStage`). The step is a plan binding whose `stageType`
 * starts with `fulfilment:`; it has no stage row, and its handler is registered by the protocol
 * module. The executor runs it instead of a stage and ends the execution with its result.
 */
import type { Deps } from "../deps.js";
import type { FlowPlan, PlanBinding } from "./plan.js";
import type { RequestInfo, SessionControl, StageResult } from "./stage.js";

const PREFIX = "fulfilment:";

export interface FulfilmentContext {
  deps: Deps;
  plan: FlowPlan;
  request: RequestInfo;
  session: SessionControl;
}

/** Completes the protocol exchange: a `redirect` (back to the client) or a `deny`. */
export type Fulfilment = (ctx: FulfilmentContext) => Promise<StageResult>;

const handlers = new Map<string, Fulfilment>();

/** Registers the handler of `fulfilment:<kind>` (once, at module load of the protocol). */
export function registerFulfilment(kind: string, handler: Fulfilment): void {
  handlers.set(PREFIX + kind, handler);
}

/** The binding to append to a plan so that `kind`'s handler runs after the flow's stages. */
export function fulfilmentBinding(kind: string): PlanBinding {
  return {
    bindingPk: PREFIX + kind,
    stagePk: PREFIX + kind,
    stageType: PREFIX + kind,
    order: Number.MAX_SAFE_INTEGER,
    reEvaluatePolicies: false,
    invalidResponseAction: "retry",
  };
}

/** The handler for a plan binding, when it is a fulfilment step. */
export function fulfilmentFor(binding: PlanBinding): Fulfilment | undefined {
  return binding.stageType.startsWith(PREFIX) ? handlers.get(binding.stageType) : undefined;
}
