import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient, seedAuthenticationFlow, seedFlow } from "../support/flows.js";

const SLUG = "default-authentication-flow";

describe("flow executor: headless login over the executor API", () => {
  let deps: TestDeps;
  const app = createApp();
  const client = (headers: Record<string, string> = {}) => new FlowClient(app, () => deps, headers);

  beforeAll(async () => {
    deps = await makeTestDeps();
    await seedAuthenticationFlow(deps);
    await deps.store.users.create({
      username: "alice",
      email: "alice@example.com",
      passwordHash: await deps.passwords.hash("correct horse"),
    });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  it("logs in: identification → password (wrong, then right) → redirect with a new session", async () => {
    const c = client({ "CF-Connecting-IP": "198.51.100.1" });
    const first = await c.get(SLUG);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      component: "ak-stage-identification",
      flow_info: { title: `Title of ${SLUG}`, cancel_url: "/flows/-/cancel/", layout: "stacked" },
      user_fields: ["email", "username"],
      password_fields: false,
      primary_action: "Log in",
    });
    expect(first.headers.get("cache-control")).toBe("no-store");
    const preLoginKey = c.jar.get("authentik_session");
    expect(preLoginKey).toBeTruthy();
    expect(c.jar.get("authentik_csrf")).toBeTruthy();

    const pw = await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice@example.com" });
    expect(pw.body).toMatchObject({ component: "ak-stage-password", pending_user: "alice" });
    expect(pw.body.pending_user_avatar).toBeTypeOf("string");

    const wrong = await c.post(SLUG, { component: "ak-stage-password", password: "nope" });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({
      component: "ak-stage-password",
      response_errors: { password: [{ string: "Invalid password", code: "invalid" }] },
    });
    const failed = await deps.store.events.list({ limit: 5, action: "login_failed" });
    expect(failed[0]?.context).toMatchObject({ username: "alice" });
    expect(JSON.stringify(failed[0])).not.toContain("nope");

    const done = await c.post(SLUG, { component: "ak-stage-password", password: "correct horse" });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    const key = c.jar.get("authentik_session")!;
    expect(key).not.toBe(preLoginKey); // session fixation: a new key at login
    const setCookie = done.headers.getSetCookie().find((l) => l.startsWith("authentik_session="))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);

    const row = await deps.store.sessions.byKeyHash(await sha256Hex(key));
    expect(row?.userPk).toBe((await deps.store.users.byUsername("alice"))!.pk);
    expect(await deps.store.sessions.byKeyHash(key)).toBeNull(); // only the hash is stored
    expect((await deps.store.users.byUsername("alice"))!.lastLogin).not.toBeNull();
    const login = await deps.store.events.list({ limit: 1, action: "login" });
    expect(login[0]?.context).toMatchObject({ auth_method: "password" });
    expect(login[0]?.clientIp).toBe("198.51.100.1");
  });

  it("redirects to a same-origin `next` from the query, never to another origin", async () => {
    const c = client();
    await c.get(SLUG, "next=%2Fapplication%2Fo%2Fauthorize%2F%3Fclient_id%3Dx");
    await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" }, { query: "next=/application/o/authorize/?client_id=x" });
    const done = await c.post(SLUG, { component: "ak-stage-password", password: "correct horse" }, { query: "next=/application/o/authorize/?client_id=x" });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/application/o/authorize/?client_id=x" });

    for (const evil of ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      const e = client();
      const q = `next=${encodeURIComponent(evil)}`;
      await e.get(SLUG, q);
      await e.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" }, { query: q });
      const r = await e.post(SLUG, { component: "ak-stage-password", password: "correct horse" }, { query: q });
      expect(r.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    }
  });

  it("re-hashes an imported Django pbkdf2 hash on login", async () => {
    // An authentik/Django export (fixture from test/fixtures/passwords.ts).
    const django = "pbkdf2_sha256$100000$nUtwF0hwn9TzZRb3Ylw6e1$LlIsE84CPyfyYMwHz2O5NqUhe54MWTbxjFgpBo93Vho=";
    await deps.store.users.create({ username: "imported", passwordHash: django });
    const c = client();
    await c.get(SLUG);
    await c.post(SLUG, { component: "ak-stage-identification", uid_field: "imported" });
    const done = await c.post(SLUG, { component: "ak-stage-password", password: "hunter2" });
    expect(done.body.component).toBe("xak-flow-redirect");
    const user = await deps.store.users.byUsername("imported");
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    expect((await deps.passwords.verify("hunter2", user!.passwordHash!)).valid).toBe(true);
  });

  it("does not reveal whether a user exists (pretend_user_exists)", async () => {
    const known = client();
    await known.get(SLUG);
    const a = await known.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" });
    const unknown = client();
    await unknown.get(SLUG);
    const b = await unknown.post(SLUG, { component: "ak-stage-identification", uid_field: "mallory" });
    expect(b.body.component).toBe("ak-stage-password");
    expect(Object.keys(b.body).sort()).toEqual(Object.keys(a.body).sort());
    expect(b.body.pending_user).toBe("mallory");
    const wrongA = await known.post(SLUG, { component: "ak-stage-password", password: "x" });
    const wrongB = await unknown.post(SLUG, { component: "ak-stage-password", password: "x" });
    expect(wrongB.body.response_errors).toEqual(wrongA.body.response_errors);
  });

  it("rejects malformed JSON and a wrong component with 400 and response_errors", async () => {
    const c = client();
    await c.get(SLUG);
    const bad = await c.post(SLUG, null, { raw: "{nope" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ component: "ak-stage-identification", response_errors: { non_field_errors: [{ code: "parse_error" }] } });
    const wrong = await c.post(SLUG, { component: "ak-stage-password", password: "x" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.response_errors).toHaveProperty("component");
    const missing = await c.post(SLUG, { component: "ak-stage-identification" });
    expect(missing.status).toBe(200);
    expect(missing.body.response_errors).toEqual({ uid_field: [{ string: "This field is required.", code: "required" }] });
  });

  it("answers an unknown flow with a problem+json 404", async () => {
    const res = await app.request("/api/v3/flows/executor/nope/", {}, deps);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("restarts cleanly when the execution expired", async () => {
    const c = client();
    await c.get(SLUG);
    await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" });
    deps.clock.advance(31 * 60_000);
    const after = await c.post(SLUG, { component: "ak-stage-password", password: "correct horse" });
    expect(after.status).toBe(200);
    expect(after.body.component).toBe("ak-stage-identification");
  });

  it("requires the CSRF header when a session cookie is sent", async () => {
    const c = client();
    await c.get(SLUG);
    const missing = await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" }, { headers: {} });
    expect(missing.status).toBe(403);
    const wrong = await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" }, { headers: { "X-authentik-CSRF": "x".repeat(43) } });
    expect(wrong.status).toBe(403);
    const django = await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" }, { headers: { "X-CSRFToken": c.jar.get("authentik_csrf")! } });
    expect(django.status).toBe(200);
    expect(django.body.component).toBe("ak-stage-password");
  });

  it("cancels the execution after failed_attempts_before_cancel", async () => {
    await seedAuthenticationFlow(deps, { slug: "three-tries", password: { failed_attempts_before_cancel: 3 } });
    const c = client();
    await c.get("three-tries");
    await c.post("three-tries", { component: "ak-stage-identification", uid_field: "alice" });
    for (let i = 0; i < 2; i++) {
      const r = await c.post("three-tries", { component: "ak-stage-password", password: "bad" });
      expect(r.body.component).toBe("ak-stage-password");
    }
    const denied = await c.post("three-tries", { component: "ak-stage-password", password: "bad" });
    expect(denied.body).toMatchObject({ component: "ak-stage-access-denied", error_message: "Invalid password" });
    const again = await c.get("three-tries");
    expect(again.body.component).toBe("ak-stage-identification");
  });

  it("fails identification without pretend_user_exists", async () => {
    await seedAuthenticationFlow(deps, { slug: "honest", identification: { pretend_user_exists: false } });
    const c = client();
    await c.get("honest");
    const r = await c.post("honest", { component: "ak-stage-identification", uid_field: "nobody" });
    expect(r.body).toMatchObject({
      component: "ak-stage-identification",
      response_errors: { non_field_errors: [{ string: "Failed to authenticate.", code: "invalid" }] },
    });
  });

  it("logs out through a user_logout flow", async () => {
    await seedFlow(deps, { slug: "logout", designation: "invalidation", stages: [{ type: "user_logout" }] });
    const c = client();
    await c.get(SLUG);
    await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" });
    await c.post(SLUG, { component: "ak-stage-password", password: "correct horse" });
    const loggedIn = c.jar.get("authentik_session")!;
    expect(await deps.store.sessions.byKeyHash(await sha256Hex(loggedIn))).not.toBeNull();
    const out = await c.get("logout");
    expect(out.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    expect(await deps.store.sessions.byKeyHash(await sha256Hex(loggedIn))).toBeNull();
    expect(c.jar.get("authentik_session")).not.toBe(loggedIn);
    expect((await deps.store.events.list({ limit: 1, action: "logout" }))[0]?.user).toMatchObject({ username: "alice" });
  });

  it("denies with the deny stage's message", async () => {
    await seedFlow(deps, { slug: "denied", stages: [{ type: "dummy" }, { type: "deny", config: { deny_message: "Go away" } }] });
    const c = client();
    const dummy = await c.get("denied");
    expect(dummy.body.component).toBe("ak-stage-dummy");
    const r = await c.post("denied", { component: "ak-stage-dummy" });
    expect(r.body).toMatchObject({ component: "ak-stage-access-denied", error_message: "Go away" });
  });

  it("redirect stage (static) ends the flow", async () => {
    await seedFlow(deps, { slug: "redir", stages: [{ type: "redirect", config: { mode: "static", target_static: "https://example.org/x" } }] });
    const r = await client().get("redir");
    expect(r.body).toEqual({ component: "xak-flow-redirect", to: "https://example.org/x" });
  });

  it("applies the flow authentication requirement", async () => {
    await seedFlow(deps, { slug: "members-only", authentication: "require_authenticated", stages: [{ type: "dummy" }] });
    await seedFlow(deps, { slug: "admins-only", authentication: "require_superuser", stages: [{ type: "dummy" }] });
    await seedFlow(deps, { slug: "guests-only", authentication: "require_unauthenticated", stages: [{ type: "dummy" }] });
    const anon = client();
    expect((await anon.get("members-only")).body).toMatchObject({ component: "ak-stage-access-denied", error_message: "Flow does not apply to current user." });
    expect((await anon.get("guests-only")).body.component).toBe("ak-stage-dummy");

    const c = client();
    await c.get(SLUG);
    await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" });
    await c.post(SLUG, { component: "ak-stage-password", password: "correct horse" });
    expect((await c.get("members-only")).body.component).toBe("ak-stage-dummy");
    expect((await c.get("guests-only")).body.component).toBe("ak-stage-access-denied");
    expect((await c.get("admins-only")).body.component).toBe("ak-stage-access-denied");
  });

  it("cancel clears the execution", async () => {
    const c = client();
    await c.get(SLUG);
    await c.post(SLUG, { component: "ak-stage-identification", uid_field: "alice" });
    const res = await c.request("/flows/-/cancel/");
    expect(res.status).toBe(302);
    expect((await c.get(SLUG)).body.component).toBe("ak-stage-identification");
  });

  it("throttles identification per identifier and writes one suspicious_request", async () => {
    await seedAuthenticationFlow(deps, { slug: "throttled", identification: { pretend_user_exists: false } });
    const c = client({ "CF-Connecting-IP": "203.0.113.9" });
    await c.get("throttled");
    for (let i = 0; i < 10; i++) {
      const r = await c.post("throttled", { component: "ak-stage-identification", uid_field: "victim" });
      expect(r.body.response_errors).toMatchObject({ non_field_errors: [{ code: "invalid" }] });
    }
    for (let i = 0; i < 2; i++) {
      const r = await c.post("throttled", { component: "ak-stage-identification", uid_field: "Victim" });
      expect(r.status).toBe(200);
      expect(r.body.response_errors).toMatchObject({ non_field_errors: [{ code: "throttled" }] });
    }
    const events = await deps.store.events.list({ limit: 50, action: "suspicious_request" });
    expect(events.filter((e) => e.context.identifier === "Victim" || e.context.identifier === "victim")).toHaveLength(1);
  });
  it("checks the password inline when identification has password_stage", async () => {
    // Reuse the password and user_login stages of a seeded flow in a second flow.
    const { stages } = await seedAuthenticationFlow(deps, { slug: "inline" });
    const inline = await seedFlow(deps, { slug: "inline-2", stages: [] });
    const ident = await deps.store.flows.createStage({ name: "inline-ident", type: "identification", config: { password_stage: stages[1]!.pk } });
    await deps.store.flows.createBinding({ targetPk: inline.flow.pk, stagePk: ident.pk, order: 10 });
    await deps.store.flows.createBinding({ targetPk: inline.flow.pk, stagePk: stages[1]!.pk, order: 20 });
    await deps.store.flows.createBinding({ targetPk: inline.flow.pk, stagePk: stages[2]!.pk, order: 30 });
    const c = client();
    const first = await c.get("inline-2");
    expect(first.body).toMatchObject({ component: "ak-stage-identification", password_fields: true });
    const bad = await c.post("inline-2", { component: "ak-stage-identification", uid_field: "alice", password: "wrong" });
    expect(bad.body.response_errors).toEqual({ non_field_errors: [{ string: "Failed to authenticate.", code: "invalid" }] });
    const good = await c.post("inline-2", { component: "ak-stage-identification", uid_field: "alice", password: "correct horse" });
    expect(good.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
  });

  it("evaluates flow and stage binding policies through the PolicyEngine port", async () => {
    const { flow, stages } = await seedFlow(deps, { slug: "policed", stages: [{ type: "dummy" }, { type: "deny" }] });
    const bindings = await deps.store.flows.bindingsOf(flow.pk);
    const denyBinding = bindings.find((b) => b.stagePk === stages[1]!.pk)!;
    const engine = (failing: string[]) => ({
      evaluate: async (target: string) => ({ passing: !failing.includes(target), messages: failing.includes(target) ? ["Not for you."] : [] }),
    });
    const blocked = new FlowClient(app, () => ({ ...deps, policyEngine: engine([flow.pk]) }));
    expect((await blocked.get("policed")).body).toMatchObject({ component: "ak-stage-access-denied", error_message: "Not for you." });
    // The deny stage's binding fails its (re-evaluated) policies: the stage is skipped.
    const skipping = new FlowClient(app, () => ({ ...deps, policyEngine: engine([denyBinding.pk]) }));
    await skipping.get("policed");
    const done = await skipping.post("policed", { component: "ak-stage-dummy" });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
  });
});
