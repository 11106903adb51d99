import type { NewPolicyBinding, PolicyEngineMode } from "../../src/ports/policies.js";
import type { PolicyRequest } from "../../src/ports/policy-engine.js";
import type { User } from "../../src/ports/store.js";
import { createPolicyEngine, type PolicyEngineOptions } from "../../src/policies/engine.js";
import { makeTestDeps, type TestDeps } from "./app-deps.js";

export const uniq = () => crypto.randomUUID().slice(0, 8);

/** A policy request with sensible defaults. */
export function policyRequest(over: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    user: null,
    http: { ip: "203.0.113.7", userAgent: "vitest", host: "auth.example.com", path: "/if/flow/x/" },
    context: {},
    ...over,
  };
}

/** PGlite deps, an engine, and helpers to create targets with bindings. */
export async function makePolicyHarness(options: PolicyEngineOptions = {}) {
  const deps: TestDeps = await makeTestDeps();
  const engine = createPolicyEngine(deps, options);
  const policies = deps.store.policies;

  async function target(
    bindings: (Omit<NewPolicyBinding, "targetPk" | "order"> & { order?: number; policy?: { type: string; config?: Record<string, unknown>; executionLogging?: boolean } })[],
    mode: PolicyEngineMode = "any",
  ): Promise<string> {
    const pk = await policies.createTarget(mode);
    let order = 0;
    for (const b of bindings) {
      const { policy, ...rest } = b;
      const policyPk = policy
        ? (await policies.create({ name: `${policy.type}-${uniq()}`, ...policy })).pk
        : rest.policyPk;
      await policies.bind({ ...rest, policyPk, targetPk: pk, order: b.order ?? order++ });
    }
    return pk;
  }

  async function user(over: Partial<Parameters<TestDeps["store"]["users"]["create"]>[0]> = {}): Promise<User> {
    return deps.store.users.create({ username: `user-${uniq()}`, email: "u@example.com", ...over });
  }

  return { deps, engine, policies, target, user, request: policyRequest };
}
