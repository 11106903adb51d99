/// <reference types="vite/client" />
/** Pure policy pieces inside workerd: CEL runs on Workers (no eval), the registry is complete. */
import { describe, expect, it } from "vitest";
import { compileExpression, isSafeRegex } from "../../src/policies/cel.js";
import { buildRegistry, policyTypes } from "../../src/policies/registry.js";
import type { PolicyType } from "../../src/policies/policy-type.js";

describe("CEL in workerd", () => {
  it("evaluates an expression with functions and messages", () => {
    const e = compileExpression('request.user.username == "ada" && ak_is_group_member("admins") && ak_message("hi")');
    expect(e.evaluate({ request: { user: { username: "ada" } } }, { groupNames: new Set(["admins"]) })).toMatchObject({
      value: true,
      messages: ["hi"],
    });
    expect(e.evaluate({ request: { user: { username: "ada" } } }, { groupNames: new Set() }).value).toBe(false);
  });

  it("rejects globals, reserved names and runaway work", () => {
    expect(() => compileExpression("globalThis")).toThrow(/Unknown variable|invalid/);
    expect(() => compileExpression("__threshold_probe()")).toThrow(/reserved/);
    const l = `[${Array.from({ length: 300 }, (_, i) => i).join(",")}]`;
    const heavy = compileExpression(`${l}.map(a, ${l}.map(b, a * b)).size() > 0`);
    expect(() => heavy.evaluate({ request: {} }, { groupNames: new Set() })).toThrow(/budget/);
  });

  it("allows only regexes without nested quantifiers", () => {
    expect(isSafeRegex("^[a-z]+@example\\.com$")).toBe(true);
    expect(isSafeRegex("(foo|bar)")).toBe(true);
    expect(isSafeRegex("(a+)+$")).toBe(false);
    expect(isSafeRegex("(a|aa)*")).toBe(false);
    expect(isSafeRegex("(x)\\1")).toBe(false);
    expect(isSafeRegex("(")).toBe(false);
  });
});

describe("policy type registry", () => {
  const modules = import.meta.glob<Record<string, unknown>>("../../src/policies/types/*.ts", { eager: true });

  it("registers every file in src/policies/types/ exactly once", () => {
    const files = Object.keys(modules);
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const [file, mod] of Object.entries(modules)) {
      const exported = Object.values(mod).filter(
        (v): v is PolicyType => typeof v === "object" && v !== null && "id" in v && "evaluate" in v && "config" in v,
      );
      expect(exported, `${file} exports no policy type`).toHaveLength(1);
      expect(policyTypes, `${file} is not registered in src/policies/registry.ts`).toContain(exported[0]);
    }
    expect(policyTypes).toHaveLength(files.length);
  });

  it("has unique ids and authentik models, and every config parses its defaults", () => {
    expect(() => buildRegistry()).not.toThrow();
    expect(() => buildRegistry([...policyTypes, policyTypes[0]!])).toThrow(/twice/);
    expect(new Set(policyTypes.map((t) => t.authentikModel)).size).toBe(policyTypes.length);
    const required: Record<string, Record<string, unknown>> = { expression: { expression: "true" }, password_expiry: { days: 1 } };
    for (const t of policyTypes) expect(t.config.safeParse(required[t.id] ?? {}).success, t.id).toBe(true);
  });
});
