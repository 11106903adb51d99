/**
 * Admin API core behaviour: authentication (token, session + CSRF), RBAC (superuser, read-only
 * role, self-service), authentik's validation error shape, malformed bodies, and the
 * `model_*` events every change writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/encoding.js";
import { apiHarness, type ApiHarness, READER_TOKEN, USER_TOKEN } from "../support/api.js";

describe("admin API: auth, RBAC, validation, events", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
  });
  afterAll(async () => {
    await h.deps.queue.drain();
    await h.deps.store.close();
  });

  it("anonymous → 401 problem+json with authentik's detail; a bad token → 401", async () => {
    const anon = await h.call("GET", "/api/v3/core/users/", { token: null });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("content-type")).toContain("application/problem+json");
    expect(await anon.json()).toMatchObject({ status: 401, detail: expect.any(String) });
    expect((await h.call("GET", "/api/v3/core/groups/", { token: "wrong".padEnd(40, "x") })).status).toBe(401);
  });

  it("read-only role may list and retrieve but every write is 403; a plain user gets 403 on admin lists", async () => {
    const list = await h.call("GET", "/api/v3/core/users/", { token: READER_TOKEN });
    expect(list.status).toBe(200);
    const one = await h.call("GET", `/api/v3/core/users/${h.userPk}/`, { token: READER_TOKEN });
    expect(one.status).toBe(200);
    for (const [method, path, body] of [
      ["POST", "/api/v3/core/users/", { username: "nope" }],
      ["PATCH", `/api/v3/core/users/${h.userPk}/`, { name: "x" }],
      ["PUT", `/api/v3/core/users/${h.userPk}/`, { username: "plain" }],
      ["DELETE", `/api/v3/core/users/${h.userPk}/`, undefined],
      ["POST", "/api/v3/core/groups/", { name: "g" }],
      ["POST", `/api/v3/core/users/${h.userPk}/set_password/`, { password: "x-very-long-password" }],
    ] as const) {
      const res = await h.call(method, path, { token: READER_TOKEN, body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await h.call("GET", "/api/v3/core/users/", { token: USER_TOKEN })).status).toBe(403);
    // …but everyone may read themselves.
    const me = await h.call("GET", "/api/v3/core/users/me/", { token: USER_TOKEN });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe("plain");
  });

  it("400 with authentik's per-field errors; duplicates name the field", async () => {
    const res = await h.call("POST", "/api/v3/core/users/", { body: { username: "", email: "not-an-email", groups: ["nope"] } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, string[]>;
    expect(Object.keys(body).sort()).toEqual(["email", "groups", "username"]);
    expect(body.username![0]).toMatch(/blank/);
    const missing = await h.call("POST", "/api/v3/core/groups/", { body: {} });
    expect(await missing.json()).toEqual({ name: ["This field is required."] });
    const dup = await h.call("POST", "/api/v3/core/users/", { body: { username: "PLAIN" } });
    expect(dup.status).toBe(400);
    expect(await dup.json()).toEqual({ username: ["user with this username already exists."] });
  });

  it("session cookie authenticates; writes without the CSRF header are 403, with it they pass", async () => {
    const key = "s".repeat(43);
    const admin = await h.deps.store.users.byUsername("akadmin");
    await h.deps.store.sessions.create({ sessionKeyHash: await sha256Hex(key), userPk: admin!.pk, lastIp: "", lastUserAgent: "", expires: new Date(Date.now() + 3_600_000) });
    const csrf = "c".repeat(40);
    const cookie = `authentik_session=${key}; authentik_csrf=${csrf}`;
    const read = await h.call("GET", "/api/v3/core/groups/", { token: null, headers: { Cookie: cookie } });
    expect(read.status).toBe(200);
    const noCsrf = await h.call("POST", "/api/v3/core/groups/", { token: null, headers: { Cookie: cookie }, body: { name: "via-session" } });
    expect(noCsrf.status).toBe(403);
    const ok = await h.call("POST", "/api/v3/core/groups/", { token: null, headers: { Cookie: cookie, "X-authentik-CSRF": csrf }, body: { name: "via-session" } });
    expect(ok.status).toBe(201);
  });

  it("every create, update and delete writes a model_* event naming the model", async () => {
    const created = await h.call("POST", "/api/v3/core/groups/", { body: { name: "audited" } });
    const group = (await created.json()) as { pk: string };
    await h.call("PATCH", `/api/v3/core/groups/${group.pk}/`, { body: { name: "audited-2" } });
    expect((await h.call("DELETE", `/api/v3/core/groups/${group.pk}/`)).status).toBe(204);
    const events = await h.deps.store.events.list({ limit: 50 });
    const mine = events.filter((e) => (e.context.model as { pk?: string } | undefined)?.pk === group.pk);
    expect(mine.map((e) => e.action).sort()).toEqual(["model_created", "model_deleted", "model_updated"]);
    expect(mine.every((e) => e.user.username === "akadmin")).toBe(true);
    expect(mine.find((e) => e.action === "model_created")!.context.model).toEqual({ app: "authentik_core", model_name: "group", pk: group.pk, name: "audited" });
  });

  it("nested groups: parents, cycles refused; users' is_superuser follows inherited superuser groups", async () => {
    const top = (await (await h.call("POST", "/api/v3/core/groups/", { body: { name: "top", is_superuser: true } })).json()) as { pk: string };
    const mid = (await (await h.call("POST", "/api/v3/core/groups/", { body: { name: "mid", parents: [top.pk] } })).json()) as { pk: string; parent: string };
    expect(mid.parent).toBe(top.pk);
    const cycle = await h.call("PATCH", `/api/v3/core/groups/${top.pk}/`, { body: { parents: [mid.pk] } });
    expect(cycle.status).toBe(400);
    expect(Object.keys(await cycle.json())).toEqual(["parents"]);
    const user = (await (await h.call("POST", "/api/v3/core/users/", { body: { username: "nested", groups: [mid.pk] } })).json()) as { pk: number; is_superuser: boolean };
    expect(user.is_superuser).toBe(true);
    const members = (await (await h.call("GET", `/api/v3/core/groups/${mid.pk}/?include_users=true`)).json()) as { users: number[]; users_obj: { username: string }[] };
    expect(members.users).toEqual([user.pk]);
    expect(members.users_obj[0]!.username).toBe("nested");
  });

  it("set_password stores a verifiable hash; recovery without a recovery flow is a clean 400", async () => {
    const res = await h.call("POST", `/api/v3/core/users/${h.userPk}/set_password/`, { body: { password: "correct horse battery" } });
    expect(res.status).toBe(204);
    const user = await h.deps.store.users.byPk(h.userPk);
    expect((await h.deps.passwords.verify("correct horse battery", user!.passwordHash!)).valid).toBe(true);
    const rec = await h.call("POST", `/api/v3/core/users/${h.userPk}/recovery/`);
    expect(rec.status).toBe(400);
    expect(Object.keys(await rec.json())).toEqual(["non_field_errors"]);
  });

  it("a user_admin manages ordinary accounts but cannot take over a superuser's", async () => {
    const ua = await h.deps.store.groups.create({ name: "helpdesk", attributes: { "threshold.roles": ["user_admin"] } });
    const helper = await h.deps.store.users.create({ username: "helper" });
    await h.deps.store.groups.addMember(ua.pk, helper.pk);
    const key = "helpdesk-token-".padEnd(48, "h");
    await h.deps.store.tokens.create({ identifier: "helper-api", intent: "api", userPk: helper.pk, key });
    const admin = (await h.deps.store.users.byUsername("akadmin"))!;
    const made = await h.call("POST", "/api/v3/core/users/", { token: key, body: { username: "newhire" } });
    expect(made.status).toBe(201);
    const newhire = (await made.json()) as { pk: number };
    expect((await h.call("POST", `/api/v3/core/users/${newhire.pk}/set_password/`, { token: key, body: { password: "a fine passphrase" } })).status).toBe(204);
    for (const [method, path, body] of [
      ["POST", `/api/v3/core/users/${admin.pk}/set_password/`, { password: "owned owned owned" }],
      ["POST", `/api/v3/core/users/${admin.pk}/recovery/`, undefined],
      ["PATCH", `/api/v3/core/users/${admin.pk}/`, { email: "attacker@example.com" }],
      ["DELETE", `/api/v3/core/users/${admin.pk}/`, undefined],
    ] as const) {
      expect((await h.call(method, path, { token: key, body })).status, `${method} ${path}`).toBe(403);
    }
    const token = await h.call("POST", "/api/v3/core/tokens/", { token: key, body: { identifier: "steal", user: admin.pk } });
    expect(token.status).toBe(400);
    expect(Object.keys(await token.json())).toEqual(["user"]);
    const superGroup = (await h.deps.store.groups.byName("authentik Admins"))!;
    const escalate = await h.call("PATCH", `/api/v3/core/users/${helper.pk}/`, { token: key, body: { groups: [ua.pk, superGroup.pk] } });
    expect(escalate.status).toBe(400);
    // A superuser's API-created token key stays hidden from the user admin.
    await h.call("POST", "/api/v3/core/tokens/", { body: { identifier: "admin-script" } });
    expect((await h.call("GET", "/api/v3/core/tokens/admin-script/view_key/", { token: key })).status).toBe(403);
    expect((await h.call("GET", "/api/v3/core/tokens/admin-script/view_key/")).status).toBe(200);
  });

  it("unknown objects and malformed keys are 404, never 500", async () => {
    for (const path of ["/api/v3/core/users/999999/", "/api/v3/core/users/abc/", "/api/v3/core/groups/not-a-uuid/", "/api/v3/core/applications/nope/", "/api/v3/providers/oauth2/1e99/"]) {
      expect((await h.call("GET", path)).status, path).toBe(404);
    }
  });
});
