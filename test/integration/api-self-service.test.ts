/**
 * Self-service through the admin API: a plain user manages only their own tokens, sessions and
 * MFA devices; admins see everyone's; token keys are shown again only to their owner (or admins
 * who may change tokens), never to a read-only role.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/encoding.js";
import { apiHarness, type ApiHarness, READER_TOKEN, USER_TOKEN } from "../support/api.js";

describe("admin API: self-service", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
  });
  afterAll(async () => {
    await h.deps.queue.drain();
    await h.deps.store.close();
  });

  it("a user creates an API token, reads its key once more, and the key authenticates", async () => {
    const created = await h.call("POST", "/api/v3/core/tokens/", { token: USER_TOKEN, body: { identifier: "my-script", intent: "api", user: 1 } });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { user: number; identifier: string; expiring: boolean };
    expect(token.user).toBe(h.userPk); // the body's `user` is ignored for non-admins
    const view = await h.call("GET", "/api/v3/core/tokens/my-script/view_key/", { token: USER_TOKEN });
    expect(view.status).toBe(200);
    const { key } = (await view.json()) as { key: string };
    const me = await h.call("GET", "/api/v3/core/users/me/", { token: key });
    expect(((await me.json()) as { user: { pk: number } }).user.pk).toBe(h.userPk);
    // A read-only admin sees the token but not its key.
    expect((await h.call("GET", "/api/v3/core/tokens/my-script/", { token: READER_TOKEN })).status).toBe(200);
    expect((await h.call("GET", "/api/v3/core/tokens/my-script/view_key/", { token: READER_TOKEN })).status).toBe(403);
    const events = await h.deps.store.events.list({ limit: 20, action: "secret_view" });
    expect(events.some((e) => JSON.stringify(e.context).includes("my-script"))).toBe(true);
    expect(JSON.stringify(events)).not.toContain(key);
    // Non-admins cannot mint recovery tokens or non-expiring ones.
    const bad = await h.call("POST", "/api/v3/core/tokens/", { token: USER_TOKEN, body: { identifier: "x", intent: "recovery", expiring: false } });
    expect(bad.status).toBe(400);
    expect(Object.keys(await bad.json()).sort()).toEqual(["intent"]);
  });

  it("users list only their own tokens; admins list everyone's", async () => {
    const mine = (await (await h.call("GET", "/api/v3/core/tokens/", { token: USER_TOKEN })).json()) as { results: { user: number }[] };
    expect(mine.results.length).toBeGreaterThan(0);
    expect(mine.results.every((t) => t.user === h.userPk)).toBe(true);
    const all = (await (await h.call("GET", "/api/v3/core/tokens/")).json()) as { results: { user: number }[] };
    expect(new Set(all.results.map((t) => t.user)).size).toBeGreaterThan(1);
    // Another user's token is invisible (404), not forbidden.
    expect((await h.call("GET", "/api/v3/core/tokens/reader-api/", { token: USER_TOKEN })).status).toBe(404);
  });

  it("sessions: a user revokes their own session (its cookie stops working) and cannot touch others'", async () => {
    const now = Date.now();
    const keyA = "a".repeat(43);
    const keyB = "b".repeat(43);
    const a = await h.deps.store.sessions.create({ sessionKeyHash: await sha256Hex(keyA), userPk: h.userPk, lastIp: "10.0.0.1", lastUserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", expires: new Date(now + 3_600_000) });
    const b = await h.deps.store.sessions.create({ sessionKeyHash: await sha256Hex(keyB), userPk: h.readerPk, lastIp: "10.0.0.2", lastUserAgent: "curl/8", expires: new Date(now + 3_600_000) });
    const cookieA = { Cookie: `authentik_session=${keyA}` };
    const list = (await (await h.call("GET", "/api/v3/core/authenticated_sessions/", { token: null, headers: cookieA })).json()) as { results: { uuid: string; current: boolean; user_agent: { browser: string } }[] };
    expect(list.results.map((s) => s.uuid)).toEqual([a.uuid]);
    expect(list.results[0]).toMatchObject({ current: true, user_agent: { browser: "Firefox" } });
    expect((await h.call("DELETE", `/api/v3/core/authenticated_sessions/${b.uuid}/`, { token: USER_TOKEN })).status).toBe(404);
    expect((await h.call("DELETE", `/api/v3/core/authenticated_sessions/${a.uuid}/`, { token: USER_TOKEN })).status).toBe(204);
    expect((await h.call("GET", "/api/v3/core/users/me/", { token: null, headers: cookieA })).status).toBe(401);
    // Admins see any user's sessions.
    const theirs = (await (await h.call("GET", `/api/v3/core/authenticated_sessions/?user=${h.readerPk}`)).json()) as { results: { uuid: string }[] };
    expect(theirs.results.map((s) => s.uuid)).toEqual([b.uuid]);
  });

  it("MFA devices: authenticators/all lists the caller's; deleting another user's is 404; admins list by user", async () => {
    await h.deps.store.devices.createTotp({ userPk: h.userPk, name: "phone", keyWrapped: await h.deps.keys.wrap("JBSWY3DPEHPK3PXP", "totp.key"), confirmed: true });
    await h.deps.store.devices.createTotp({ userPk: h.readerPk, name: "reader phone", keyWrapped: await h.deps.keys.wrap("JBSWY3DPEHPK3PXP", "totp.key"), confirmed: true });
    const mine = (await (await h.call("GET", "/api/v3/authenticators/all/", { token: USER_TOKEN })).json()) as { pk: number; type: string; user: number }[];
    expect(mine.map((d) => d.type)).toEqual(["authentik_stages_authenticator_totp.totpdevice"]);
    expect(mine.every((d) => d.user === h.userPk)).toBe(true);
    expect((await h.call("GET", "/api/v3/authenticators/admin/all/?user=1", { token: USER_TOKEN })).status).toBe(403);
    expect((await h.call("GET", `/api/v3/authenticators/admin/all/?user=${h.userPk}`)).status).toBe(200);
    const theirs = (await (await h.call("GET", `/api/v3/authenticators/admin/all/?user=${h.readerPk}`)).json()) as { pk: number }[];
    // Someone else's device does not exist for a plain user; the read-only role sees it but may not delete it.
    expect((await h.call("DELETE", `/api/v3/authenticators/totp/${theirs[0]!.pk}/`, { token: USER_TOKEN })).status).toBe(404);
    expect((await h.call("DELETE", `/api/v3/authenticators/totp/${mine[0]!.pk}/`, { token: READER_TOKEN })).status).toBe(403);
    expect((await h.call("DELETE", `/api/v3/authenticators/totp/${mine[0]!.pk}/`, { token: USER_TOKEN })).status).toBe(204);
    expect(await (await h.call("GET", "/api/v3/authenticators/all/", { token: USER_TOKEN })).json()).toEqual([]);
  });
});
