import { describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/adapters/memory/cache.js";
import { safeRelativePath } from "../../src/flows/challenge.js";
import { loadPlan, parsePlan, PLAN_VERSION, savePlan, serialisePlan, type FlowPlan } from "../../src/flows/plan.js";
import { parseTimedelta, TimedeltaError } from "../../src/flows/timedelta.js";

describe("timedelta strings (authentik's session_duration etc.)", () => {
  it("parses single and combined units", () => {
    expect(parseTimedelta("seconds=0")).toBe(0);
    expect(parseTimedelta("hours=1")).toBe(3_600_000);
    expect(parseTimedelta("hours=1;minutes=30")).toBe(5_400_000);
    expect(parseTimedelta("days=0.5")).toBe(43_200_000);
    expect(parseTimedelta("weeks=4")).toBe(4 * 604_800_000);
    expect(parseTimedelta(" minutes = 2 ; ")).toBe(120_000);
  });
  it("rejects unknown units and garbage", () => {
    for (const bad of ["", "hours", "years=1", "hours=x", "hours=1;foo=2"]) {
      expect(() => parseTimedelta(bad), bad).toThrow(TimedeltaError);
    }
  });
});

describe("flow plan serialisation", () => {
  const plan: FlowPlan = {
    v: PLAN_VERSION,
    flowPk: "2f1b5a8e-6a3c-4e0a-9b1e-0d9f7c3a1b2c",
    flowSlug: "default-authentication-flow",
    bindings: [
      { bindingPk: "b1", stagePk: "s1", stageType: "identification", order: 10, reEvaluatePolicies: true, invalidResponseAction: "retry" },
    ],
    index: 0,
    checkedIndex: -1,
    context: { pending_user: 4, get: { next: "/x" } },
  };

  it("round-trips through JSON", () => {
    expect(parsePlan(serialisePlan(plan))).toEqual(plan);
  });
  it("drops other versions and malformed data (the flow restarts)", () => {
    expect(parsePlan({ ...plan, v: 2 })).toBeNull();
    expect(parsePlan("{")).toBeNull();
    expect(parsePlan({ ...plan, index: -1 })).toBeNull();
  });
  it("stores under flow:exec:<id> with a TTL", async () => {
    const cache = createMemoryCache();
    await savePlan(cache, "exec-id-0123456789abcdef", plan);
    expect(await cache.ttl("flow:exec:exec-id-0123456789abcdef")).toBeGreaterThan(1700);
    expect(await loadPlan(cache, "exec-id-0123456789abcdef")).toEqual(plan);
    expect(await loadPlan(cache, "../../etc")).toBeNull();
  });
});

describe("redirect targets", () => {
  it("keeps same-origin relative paths only", () => {
    expect(safeRelativePath("/if/user/?a=1#b")).toBe("/if/user/?a=1#b");
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:x", "if/user", "/\u0000x", null]) {
      expect(safeRelativePath(bad), String(bad)).toBeNull();
    }
  });
});
