/** Policy engine semantics on PGlite (authentik's engine.py/process.py behaviour). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePolicyHarness, uniq } from "../support/policies.js";

type Harness = Awaited<ReturnType<typeof makePolicyHarness>>;
let h: Harness;
beforeAll(async () => {
  h = await makePolicyHarness();
});
afterAll(async () => {
  await h?.deps.store.close();
});

const dummy = (result: boolean, extra: Record<string, unknown> = {}) => ({
  policy: { type: "dummy", config: { result, wait_min: 0, wait_max: 0, ...extra } },
});

describe("policy engine", () => {
  it("passes a target without bindings and throws for an unknown target", async () => {
    expect(await h.engine.evaluate(await h.target([]), h.request())).toEqual({ passing: true, messages: [] });
    await expect(h.engine.evaluate(crypto.randomUUID(), h.request())).rejects.toThrow(/does not exist/);
  });

  it("mode any passes when one binding passes; mode all needs every binding", async () => {
    const bindings = [dummy(false), dummy(true)];
    expect((await h.engine.evaluate(await h.target(bindings, "any"), h.request())).passing).toBe(true);
    expect((await h.engine.evaluate(await h.target(bindings, "all"), h.request())).passing).toBe(false);
    expect((await h.engine.evaluate(await h.target([dummy(true), dummy(true)], "all"), h.request())).passing).toBe(true);
    expect((await h.engine.evaluate(await h.target([dummy(false)], "any"), h.request())).passing).toBe(false);
  });

  it("collects messages in binding order and negates results", async () => {
    const pk = await h.target([
      { ...dummy(true), order: 20 },
      { ...dummy(false), order: 10, negate: true },
    ], "all");
    const result = await h.engine.evaluate(pk, h.request());
    expect(result).toEqual({ passing: true, messages: ["dummy: false", "dummy: true"] });
  });

  it("skips disabled bindings", async () => {
    const pk = await h.target([dummy(true), { ...dummy(false), enabled: false }], "all");
    expect((await h.engine.evaluate(pk, h.request())).passing).toBe(true);
    expect(await h.policies.bindingsOf(pk)).toHaveLength(2);
    expect((await h.policies.loadTarget(pk))?.bindings).toHaveLength(1);
  });

  it("user bindings match only that user; anonymous never matches", async () => {
    const alice = await h.user();
    const bob = await h.user();
    const pk = await h.target([{ userPk: alice.pk }]);
    expect((await h.engine.evaluate(pk, h.request({ user: alice }))).passing).toBe(true);
    expect((await h.engine.evaluate(pk, h.request({ user: bob }))).passing).toBe(false);
    expect((await h.engine.evaluate(pk, h.request())).passing).toBe(false);
    const negated = await h.target([{ userPk: alice.pk, negate: true }]);
    expect((await h.engine.evaluate(negated, h.request({ user: bob }))).passing).toBe(true);
  });

  it("group bindings follow nested groups (a child's members are members of the parent)", async () => {
    const root = await h.deps.store.groups.create({ name: `root-${uniq()}` });
    const mid = await h.deps.store.groups.create({ name: `mid-${uniq()}`, parentPks: [root.pk] });
    const leaf = await h.deps.store.groups.create({ name: `leaf-${uniq()}`, parentPks: [mid.pk] });
    const other = await h.deps.store.groups.create({ name: `other-${uniq()}` });
    const member = await h.user();
    const outsider = await h.user();
    await h.deps.store.groups.addMember(leaf.pk, member.pk);
    await h.deps.store.groups.addMember(other.pk, outsider.pk);

    expect(await h.policies.isMemberOf(member.pk, root.pk)).toBe(true);
    expect(await h.policies.isMemberOf(member.pk, other.pk)).toBe(false);
    expect((await h.policies.allGroupsOf(member.pk)).map((g) => g.pk).sort()).toEqual([root.pk, mid.pk, leaf.pk].sort());

    const pk = await h.target([{ groupPk: root.pk }]);
    expect((await h.engine.evaluate(pk, h.request({ user: member }))).passing).toBe(true);
    expect((await h.engine.evaluate(pk, h.request({ user: outsider }))).passing).toBe(false);
    expect((await h.engine.evaluate(pk, h.request())).passing).toBe(false);
    // A leaf binding does not admit members of the parent.
    const up = await h.user();
    await h.deps.store.groups.addMember(root.pk, up.pk);
    const leafTarget = await h.target([{ groupPk: leaf.pk }]);
    expect((await h.engine.evaluate(leafTarget, h.request({ user: up }))).passing).toBe(false);
  });

  it("rejects a binding with two subjects (database constraint)", async () => {
    const g = await h.deps.store.groups.create({ name: `g-${uniq()}` });
    const u = await h.user();
    const t = await h.policies.createTarget();
    await expect(h.policies.bind({ targetPk: t, groupPk: g.pk, userPk: u.pk, order: 0 })).rejects.toThrow();
  });

  it("uses failure_result (not negated) when a policy throws, and writes a policy_exception event", async () => {
    const user = await h.user();
    const failing = { policy: { type: "dummy", config: { wait_min: 0, wait_max: 0, raise: "boom" } } };
    const open = await h.target([{ ...failing, failureResult: true, negate: true }]);
    expect(await h.engine.evaluate(open, h.request({ user }))).toEqual({ passing: true, messages: [] });
    const closed = await h.target([{ ...failing, failureResult: false }]);
    expect((await h.engine.evaluate(closed, h.request({ user }))).passing).toBe(false);

    const events = await h.deps.store.events.list({ limit: 5, action: "policy_exception" });
    const ours = events.find((e) => (e.context.binding as { target: string }).target === closed);
    expect(ours).toBeDefined();
    expect(ours!.user).toMatchObject({ pk: user.pk, username: user.username });
    expect(ours!.clientIp).toBe("203.0.113.7");
    expect(ours!.context).toMatchObject({ message: "Policy failed to execute", exception: { message: "boom" }, timed_out: false });
  });

  it("uses failure_result for unknown types and invalid config", async () => {
    const unknown = await h.target([{ policy: { type: "nope" }, failureResult: true }]);
    expect((await h.engine.evaluate(unknown, h.request())).passing).toBe(true);
    const invalid = await h.target([{ policy: { type: "reputation", config: { threshold: "x" } } }]);
    expect((await h.engine.evaluate(invalid, h.request())).passing).toBe(false);
  });

  it("abandons a policy after the binding's timeout and applies failure_result", async () => {
    const slow = { policy: { type: "dummy", config: { result: false, wait_min: 5, wait_max: 5 } } };
    const pk = await h.target([{ ...slow, timeout: 1, failureResult: true }]);
    const started = performance.now();
    expect((await h.engine.evaluate(pk, h.request())).passing).toBe(true);
    expect(performance.now() - started).toBeLessThan(2500);
    const events = await h.deps.store.events.list({ limit: 5, action: "policy_exception" });
    expect(events.find((e) => (e.context.binding as { target: string }).target === pk)?.context.timed_out).toBe(true);
  });

  it("writes policy_execution events when execution logging is on", async () => {
    const pk = await h.target([{ policy: { type: "dummy", config: { result: true, wait_min: 0, wait_max: 0 }, executionLogging: true } }]);
    await h.engine.evaluate(pk, h.request());
    const events = await h.deps.store.events.list({ limit: 5, action: "policy_execution" });
    expect(events.find((e) => (e.context.binding as { target: string }).target === pk)?.context.result).toEqual({
      passing: true,
      messages: ["dummy: true"],
    });
  });

  it("stores and changes a target's engine mode", async () => {
    const pk = await h.policies.createTarget();
    expect(await h.policies.engineMode(pk)).toBe("any");
    await h.policies.setEngineMode(pk, "all");
    expect(await h.policies.engineMode(pk)).toBe("all");
    expect(await h.policies.engineMode(crypto.randomUUID())).toBeNull();
    expect(await h.policies.engineMode("not-a-uuid")).toBeNull();
  });
});
