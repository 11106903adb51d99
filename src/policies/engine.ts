/**
 * The policy engine (authentik's `PolicyEngine` + `PolicyProcess`): loads a target's enabled
 * bindings in order, evaluates each (policy / group / user) concurrently, applies `negate`, and
 * substitutes `failure_result` when a policy throws or exceeds the binding's `timeout` (writing a
 * `policy_exception` event). Results combine by the target's mode: any (default) or all; a target
 * without enabled bindings passes. Messages of all bindings are collected in binding order.
 */
import { NotFoundError } from "../core/errors.js";
import type { Deps } from "../deps.js";
import type { LoadedBinding, Policy } from "../ports/policies.js";
import type { PolicyEngine, PolicyRequest, PolicyResult } from "../ports/policy-engine.js";
import type { Group } from "../ports/store.js";
import { recordEvent } from "../services/events.js";
import { PolicyError, type PolicyOutcome, type PolicyTypeDeps } from "./policy-type.js";
import { buildRegistry, type PolicyTypeRegistry } from "./registry.js";

/** What the engine uses (a subset of `Deps`, so composition roots can build it before `Deps.policyEngine`). */
export type PolicyEngineDeps = Pick<Deps, "config" | "store" | "cache" | "queue" | "clock" | "logger">;

export interface PolicyEngineOptions {
  /** Outbound HTTP for policies (HIBP). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Policy types by id. Default: every type in `registry.ts`. */
  types?: PolicyTypeRegistry;
}

/** authentik's binding timeout default, used when a binding says 0 or less. */
const DEFAULT_TIMEOUT_SECONDS = 30;

/** Raised when a binding's timeout elapses. */
export class PolicyTimeoutError extends PolicyError {
  override name = "PolicyTimeoutError";
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function createPolicyEngine(deps: PolicyEngineDeps, options: PolicyEngineOptions = {}): PolicyEngine {
  const types = options.types ?? buildRegistry();
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function evaluate(targetPk: string, request: PolicyRequest): Promise<PolicyResult> {
    const target = await deps.store.policies.loadTarget(targetPk);
    if (!target) throw new NotFoundError(`policy target ${targetPk} does not exist`);
    if (target.bindings.length === 0) return { passing: true, messages: [] };

    let groups: Promise<Group[]> | undefined;
    const userGroups = () => {
      const user = request.user;
      groups ??= user ? deps.store.policies.allGroupsOf(user.pk) : Promise.resolve([]);
      return groups;
    };
    const results = await Promise.all(target.bindings.map((b) => evaluateBinding(b, request, userGroups)));
    const passing = target.mode === "all" ? results.every((r) => r.passing) : results.some((r) => r.passing);
    return { passing, messages: results.flatMap((r) => r.messages) };
  }

  async function evaluateBinding(
    binding: LoadedBinding,
    request: PolicyRequest,
    userGroups: () => Promise<Group[]>,
  ): Promise<PolicyOutcome> {
    try {
      let outcome: PolicyOutcome;
      if (binding.policy) {
        outcome = await runPolicy(binding, binding.policy, request, userGroups);
      } else if (binding.groupPk) {
        const groups = await userGroups();
        outcome = { passing: groups.some((g) => g.pk === binding.groupPk), messages: [] };
      } else {
        outcome = { passing: request.user !== null && request.user.pk === binding.userPk, messages: [] };
      }
      // As authentik: negate inverts the policy's own result, never the failure result.
      if (binding.negate) outcome = { ...outcome, passing: !outcome.passing };
      if (binding.policy?.executionLogging) {
        await event("policy_execution", binding, request, { result: outcome });
      }
      return outcome;
    } catch (error) {
      deps.logger.debug("policy failed, using failure_result", { binding: binding.pk, error });
      await event("policy_exception", binding, request, {
        message: "Policy failed to execute",
        exception: { name: (error as Error).name, message: (error as Error).message },
        timed_out: error instanceof PolicyTimeoutError,
      });
      return { passing: binding.failureResult, messages: [] };
    }
  }

  async function runPolicy(
    binding: LoadedBinding,
    policy: Policy,
    request: PolicyRequest,
    userGroups: () => Promise<Group[]>,
  ): Promise<PolicyOutcome> {
    const type = types.get(policy.type);
    if (!type) throw new PolicyError(`unknown policy type "${policy.type}"`);
    const parsed = type.config.safeParse(policy.config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ");
      throw new PolicyError(`invalid ${policy.type} policy config: ${issues}`);
    }
    const seconds = binding.timeout > 0 ? binding.timeout : DEFAULT_TIMEOUT_SECONDS;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new PolicyTimeoutError(`policy timed out after ${seconds}s`);
        controller.abort(e);
        reject(e);
      }, seconds * 1000);
    });
    const typeDeps: PolicyTypeDeps = {
      clock: deps.clock,
      cache: deps.cache,
      logger: deps.logger,
      fetch: doFetch,
      signal: controller.signal,
      userGroups,
      sleep: abortableSleep,
    };
    try {
      const running = Promise.resolve().then(() => type.evaluate(request, parsed.data, typeDeps));
      running.catch(() => {}); // its rejection after a timeout is not unhandled
      return await Promise.race([running, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function event(
    action: "policy_execution" | "policy_exception",
    binding: LoadedBinding,
    request: PolicyRequest,
    context: Record<string, unknown>,
  ): Promise<void> {
    try {
      // recordEvent reads only config, store, clock, queue and logger.
      await recordEvent(deps as Deps, {
        action,
        user: request.user,
        clientIp: request.http.ip,
        context: {
          ...context,
          binding: { pk: binding.pk, target: binding.targetPk, order: binding.order },
          ...(binding.policy
            ? { policy_uuid: binding.policy.pk, policy: { pk: binding.policy.pk, name: binding.policy.name, type: binding.policy.type } }
            : {}),
          request: { path: request.http.path, host: request.http.host },
        },
      });
    } catch (error) {
      // Evaluation must not fail because the audit trail could not be written.
      deps.logger.warn("policy event not recorded", { action, binding: binding.pk, error });
    }
  }

  return { evaluate };
}
