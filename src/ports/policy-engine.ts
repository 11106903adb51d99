import type { User } from "./store.js";

/** What a policy sees (authentik's `PolicyRequest`): who, from where, and the flow context. */
export interface PolicyRequest {
  /** The pending or authenticated user; null for anonymous requests. */
  user: User | null;
  http: {
    /** Client IP as determined by the host (Cloudflare `CF-Connecting-IP`, or trusted proxy headers on Node). */
    ip: string | null;
    userAgent: string | null;
    host: string;
    path: string;
    /** ISO 3166-1 alpha-2 country (Cloudflare `request.cf.country`, or a trusted header on Node). */
    country?: string | null;
    asn?: number | null;
  };
  /** The flow plan context (`pending_user`, `prompt_data`, `application`, …) or `{}`. */
  context: Record<string, unknown>;
  /** The object being accessed (e.g. an application), for expressions (`request.obj`). */
  obj?: { model: string; pk: string; name?: string; slug?: string } | null;
}

/** Result of evaluating everything bound to a target (authentik's `PolicyResult`). */
export interface PolicyResult {
  passing: boolean;
  /** Messages for the user (e.g. password policy complaints, `ak_message()` calls). */
  messages: string[];
}

/**
 * Evaluates the policy bindings of a target (a flow, a flow–stage binding, an application):
 * bindings in `order`, each enabled binding's policy/group/user check, `negate`, `timeout`,
 * `failure_result`, combined by the target's engine mode (any | all). A target without enabled
 * bindings passes.
 */
export interface PolicyEngine {
  evaluate(targetPk: string, request: PolicyRequest): Promise<PolicyResult>;
}
