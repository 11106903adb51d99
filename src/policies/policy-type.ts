import type * as z from "zod";
import type { Cache } from "../ports/cache.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { PolicyRequest } from "../ports/policy-engine.js";
import type { Group } from "../ports/store.js";

/** What one policy evaluation returns (before the binding's `negate`). */
export interface PolicyOutcome {
  passing: boolean;
  messages: string[];
}

/** I/O a policy type may use; everything else it does is pure. */
export interface PolicyTypeDeps {
  clock: Clock;
  cache: Cache;
  logger: Logger;
  /** Outbound HTTP (HIBP); tests inject a fake. */
  fetch: typeof fetch;
  /** Aborted when the binding's timeout elapses; pass it to `fetch` and waits. */
  signal: AbortSignal;
  /** The request user's groups including inherited ones (loaded once per engine run). */
  userGroups(): Promise<Group[]>;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A policy type: one file in `src/policies/types/` plus one line in `src/policies/registry.ts`.
 * `config` parses a policy's stored `config` (authentik attribute names, documented defaults);
 * `evaluate` throws for "the policy could not decide" (the binding's `failure_result` applies).
 */
export interface PolicyType<C = unknown> {
  /** Stable id stored in `policies.type`. */
  id: string;
  /** The authentik model this corresponds to (blueprints), e.g. `authentik_policies_expression.expressionpolicy`. */
  authentikModel: string;
  description: string;
  config: z.ZodType<C>;
  evaluate(request: PolicyRequest, config: C, deps: PolicyTypeDeps): PolicyOutcome | Promise<PolicyOutcome>;
}

/** Typed helper: `config` in `evaluate` is the schema's output type. */
export function definePolicyType<S extends z.ZodType>(type: {
  id: string;
  authentikModel: string;
  description: string;
  config: S;
  evaluate(
    request: PolicyRequest,
    config: z.output<S>,
    deps: PolicyTypeDeps,
  ): PolicyOutcome | Promise<PolicyOutcome>;
}): PolicyType<z.output<S>> {
  return type as PolicyType<z.output<S>>;
}

/** A policy could not reach a decision (bad config, missing data, CEL error). */
export class PolicyError extends Error {
  override name = "PolicyError";
}

export const pass = (...messages: string[]): PolicyOutcome => ({ passing: true, messages });
export const fail = (...messages: string[]): PolicyOutcome => ({ passing: false, messages });
