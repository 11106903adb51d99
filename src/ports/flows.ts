/**
 * Flows, stages and flow–stage bindings (authentik's `authentik_flows` models, DESIGN §5).
 * Field names follow authentik's in camelCase; a stage's `config` keeps authentik's attribute
 * names exactly (snake_case, e.g. `user_fields`, `failed_attempts_before_cancel`), and references
 * to other objects inside it are UUID strings.
 */
import type { User } from "./store.js";

export type FlowDesignation =
  | "authentication"
  | "authorization"
  | "invalidation"
  | "enrollment"
  | "unenrollment"
  | "recovery"
  | "stage_configuration";

export type FlowLayout = "stacked" | "content_left" | "content_right" | "sidebar_left" | "sidebar_right";

/** What happens when the flow's policies deny access. */
export type FlowDeniedAction = "message_continue" | "message" | "continue";

/** Who may start the flow (authentik's `FlowAuthenticationRequirement`). */
export type FlowAuthentication =
  | "none"
  | "require_authenticated"
  | "require_unauthenticated"
  | "require_superuser"
  | "require_redirect"
  | "require_outpost";

/** What the executor does when a stage rejects a response. */
export type InvalidResponseAction = "retry" | "restart" | "restart_with_context";

export interface Flow {
  /** UUID (authentik's `flow_uuid`); also the flow's policy binding target. */
  pk: string;
  slug: string;
  name: string;
  title: string;
  designation: FlowDesignation;
  layout: FlowLayout;
  background: string;
  compatibilityMode: boolean;
  deniedAction: FlowDeniedAction;
  authentication: FlowAuthentication;
  /** How the flow's policy bindings combine. */
  policyEngineMode: "any" | "all";
}

export interface NewFlow {
  slug: string;
  name: string;
  title: string;
  designation: FlowDesignation;
  layout?: FlowLayout;
  background?: string;
  compatibilityMode?: boolean;
  deniedAction?: FlowDeniedAction;
  authentication?: FlowAuthentication;
  policyEngineMode?: "any" | "all";
}

export interface Stage {
  /** UUID (authentik's `stage_uuid`). */
  pk: string;
  name: string;
  /** Stage type id: the file name in `src/flows/stages/` in snake_case, e.g. "user_login". */
  type: string;
  /** Settings under authentik's attribute names (snake_case). */
  config: Record<string, unknown>;
}

export interface NewStage {
  name: string;
  type: string;
  config?: Record<string, unknown>;
}

export interface FlowStageBinding {
  /** UUID (authentik's `fsb_uuid`); also the binding's policy binding target. */
  pk: string;
  targetPk: string;
  stagePk: string;
  /** Unique per flow; stages run in ascending order. */
  order: number;
  /** Evaluate the binding's policies when the plan is made (default false). */
  evaluateOnPlan: boolean;
  /** Evaluate the binding's policies again right before the stage is shown (default true). */
  reEvaluatePolicies: boolean;
  invalidResponseAction: InvalidResponseAction;
}

export interface NewFlowStageBinding {
  targetPk: string;
  stagePk: string;
  order: number;
  evaluateOnPlan?: boolean;
  reEvaluatePolicies?: boolean;
  invalidResponseAction?: InvalidResponseAction;
}

/** A binding together with its stage, as the planner needs it. */
export interface BoundStage extends FlowStageBinding {
  stage: Stage;
}

/** Fields the identification stage can match a user on (authentik's `UserFields`). */
export type IdentificationField = "username" | "email" | "upn";

export interface FlowRepository {
  bySlug(slug: string): Promise<Flow | null>;
  byPk(pk: string): Promise<Flow | null>;
  /** The first flow (by slug) with the given designation, e.g. for recovery links. */
  firstByDesignation(designation: FlowDesignation): Promise<Flow | null>;
  /** The flow's stage bindings with their stages, in ascending `order`. */
  bindingsOf(flowPk: string): Promise<BoundStage[]>;
  stageByPk(pk: string): Promise<Stage | null>;
  /** Creates the flow and its policy binding model row in one transaction. */
  createFlow(flow: NewFlow): Promise<Flow>;
  createStage(stage: NewStage): Promise<Stage>;
  /** Creates the binding and its policy binding model row in one transaction. */
  createBinding(binding: NewFlowStageBinding): Promise<FlowStageBinding>;
  /**
   * Identification lookups the user repository does not offer yet (email, upn). Matches
   * `value` exactly or, with `caseInsensitive`, ignoring case. Returns the first match.
   * TODO: move to `UserRepository` (`byField`) once its owner adds it.
   */
  findUser(field: IdentificationField, value: string, caseInsensitive: boolean): Promise<User | null>;
  /** Sets the user's `last_login` (authentik updates it on every login). TODO: move to `UserRepository`. */
  recordLogin(userPk: number, at: Date): Promise<void>;
}
