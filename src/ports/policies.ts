import type { Group } from "./store.js";

/**
 * Policies and their bindings (authentik's `authentik_policies`): a policy is typed settings
 * (`type` + `config`); a binding attaches exactly one of policy / group / user to a target
 * (a flow, a flow–stage binding, an application — any `PolicyBindingModel`).
 */

/** How a target combines its bindings' results (authentik's `PolicyEngineMode`). */
export type PolicyEngineMode = "any" | "all";

export interface Policy {
  /** UUID primary key (authentik's `policy_uuid`). */
  pk: string;
  name: string;
  /** Policy type id (`expression`, `password`, `reputation`, …; see `src/policies/registry.ts`). */
  type: string;
  /** Type-specific settings with authentik's attribute names (`length_min`, `threshold`, …). */
  config: Record<string, unknown>;
  /** Write a `policy_execution` event for every evaluation. */
  executionLogging: boolean;
}

export interface NewPolicy {
  name: string;
  type: string;
  config?: Record<string, unknown>;
  executionLogging?: boolean;
}

export interface PolicyBinding {
  /** UUID primary key (authentik's `policy_binding_uuid`). */
  pk: string;
  /** The `PolicyBindingModel` this binding belongs to. */
  targetPk: string;
  /** Exactly one of `policyPk`, `groupPk`, `userPk` is set. */
  policyPk: string | null;
  groupPk: string | null;
  userPk: number | null;
  /** Invert the result (not applied to `failureResult`, as in authentik). */
  negate: boolean;
  /** Disabled bindings are skipped. */
  enabled: boolean;
  order: number;
  /** Seconds before the evaluation is abandoned (authentik default 30). */
  timeout: number;
  /** Result used when the policy throws or times out (authentik default false). */
  failureResult: boolean;
}

export interface NewPolicyBinding {
  targetPk: string;
  policyPk?: string | null;
  groupPk?: string | null;
  userPk?: number | null;
  negate?: boolean;
  enabled?: boolean;
  order: number;
  timeout?: number;
  failureResult?: boolean;
}

/** A binding with its policy loaded (null for group and user bindings). */
export interface LoadedBinding extends PolicyBinding {
  policy: Policy | null;
}

/** Everything the engine needs about one target, loaded in one round trip. */
export interface PolicyTarget {
  pk: string;
  mode: PolicyEngineMode;
  /** Enabled bindings only, by `order`. */
  bindings: LoadedBinding[];
}

export interface PolicyRepository {
  create(policy: NewPolicy): Promise<Policy>;
  byPk(pk: string): Promise<Policy | null>;
  byName(name: string): Promise<Policy | null>;
  /** Replaces a policy's config (and optionally execution logging). Throws `NotFoundError`. */
  update(pk: string, patch: { config?: Record<string, unknown>; executionLogging?: boolean }): Promise<Policy>;
  /**
   * Creates a bare `PolicyBindingModel` row and returns its pk. Targets (flows, applications)
   * share their primary key with this row, so create it first.
   */
  createTarget(mode?: PolicyEngineMode): Promise<string>;
  setEngineMode(targetPk: string, mode: PolicyEngineMode): Promise<void>;
  /** The target's engine mode, or null when no such target exists. */
  engineMode(targetPk: string): Promise<PolicyEngineMode | null>;
  /** Binds a policy, group or user to a target. Throws `NotFoundError` for unknown references. */
  bind(binding: NewPolicyBinding): Promise<PolicyBinding>;
  /** All bindings of a target (enabled or not), by `order`. */
  bindingsOf(targetPk: string): Promise<PolicyBinding[]>;
  /** Mode and enabled bindings with their policies, or null when the target does not exist. */
  loadTarget(targetPk: string): Promise<PolicyTarget | null>;
  /** Whether the user is in the group directly or through nested groups (the group's descendants). */
  isMemberOf(userPk: number, groupPk: string): Promise<boolean>;
  /** The user's groups including every ancestor of a direct group (nested membership), by name. */
  allGroupsOf(userPk: number): Promise<Group[]>;
}
