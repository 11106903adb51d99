import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { reputationScore } from "../../src/policies/reputation.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient, seedAuthenticationFlow } from "../support/flows.js";

/**
 * Account lockout (beyond authentik's defaults, asked for in its #25264): wrong passwords lower
 * the reputation of the IP and the username; a reputation policy bound to the flow then denies
 * new attempts, while the credential rate limit answers `throttled` and writes one
 * `suspicious_request` event.
 */
describe("reputation lockout after repeated wrong passwords", () => {
  let deps: TestDeps;
  const app = createApp();
  const IP = { "CF-Connecting-IP": "198.51.100.23" };

  beforeAll(async () => {
    deps = await makeTestDeps();
    const { flow } = await seedAuthenticationFlow(deps, { slug: "guarded", password: { failed_attempts_before_cancel: 100 } });
    const policy = await deps.store.policies.create({ name: "lockout", type: "reputation", config: { check_ip: true, check_username: true, threshold: -5 } });
    // authentik semantics: a reputation policy passes on BAD reputation, so it is negated on a flow.
    await deps.store.policies.bind({ targetPk: flow.pk, policyPk: policy.pk, order: 0, negate: true });
    await deps.store.users.create({ username: "robin", passwordHash: await deps.passwords.hash("right password") });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  it("denies the flow once the score reaches the threshold, and throttles with a suspicious_request event", async () => {
    const c = new FlowClient(app, () => deps, IP);
    await c.get("guarded");
    await c.post("guarded", { component: "ak-stage-identification", uid_field: "robin" });
    for (let i = 0; i < 10; i++) {
      const r = await c.post("guarded", { component: "ak-stage-password", password: `wrong-${i}` });
      expect(r.body.response_errors, JSON.stringify(r.body)).toBeDefined();
    }
    expect(await reputationScore(deps.cache, { ip: IP["CF-Connecting-IP"], username: "robin" }, { checkIp: true, checkUsername: true })).toBeLessThanOrEqual(-5);

    const throttled = await c.post("guarded", { component: "ak-stage-password", password: "right password" });
    expect(throttled.body.response_errors).toMatchObject({ non_field_errors: [{ code: "throttled" }] });
    const suspicious = await deps.store.events.list({ limit: 10, action: "suspicious_request" });
    expect(suspicious.length).toBe(1);

    // A fresh attempt from the same IP is refused by the reputation policy before any password is asked.
    const fresh = new FlowClient(app, () => deps, IP);
    const denied = await fresh.get("guarded");
    expect(denied.body.component).toBe("ak-stage-access-denied");

    // Another IP, another user: unaffected.
    const other = new FlowClient(app, () => deps, { "CF-Connecting-IP": "198.51.100.99" });
    expect((await other.get("guarded")).body.component).toBe("ak-stage-identification");
  });
});
