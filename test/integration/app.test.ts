import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { runCleanup } from "../../src/jobs/cleanup.js";
import { ADMIN_USERNAME, bootstrap } from "../../src/services/bootstrap.js";
import { renderReadme } from "../../scripts/readme-config.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";

const ADMIN_TOKEN = "admin-token-".padEnd(48, "a");
const USER_TOKEN = "user-token-".padEnd(48, "u");

describe("app on the Node adapters (PGlite, memory cache, in-process queue)", () => {
  let deps: TestDeps;
  const app = createApp();
  const req = (path: string, init?: RequestInit) => app.request(path, init, deps);
  const auth = (token: string, init: RequestInit = {}) => ({ ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    deps = await makeTestDeps();
    await bootstrap(deps, { password: "bootstrap-pass-1", token: ADMIN_TOKEN, email: "admin@example.com" });
    const user = await deps.store.users.create({ username: "alice", email: "alice@example.com" });
    await deps.store.tokens.create({ identifier: "alice-api", intent: "api", userPk: user.pk, key: USER_TOKEN });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  it("answers liveness and readiness", async () => {
    const live = await req("/-/health/live/");
    expect(live.status).toBe(200);
    const ready = await req("/-/health/ready/");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", checks: { database: "ok", cache: "ok" } });
  });

  it("reports not ready, naming the failing dependency, when the cache is down", async () => {
    const broken = { ...deps, cache: { ...deps.cache, ping: () => Promise.reject(new Error("ECONNREFUSED")) } };
    const res = await app.request("/-/health/ready/", {}, broken);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable", checks: { database: "ok", cache: "failing" } });
  });

  it("sets nosniff and Referrer-Policy on every kind of response, immutable headers included", async () => {
    const withImmutable = createApp();
    // Response.redirect's headers are immutable, like those of fetch() (Worker assets).
    withImmutable.get("/__immutable", () => Response.redirect("https://example.com/", 302));
    const responses = [
      await req("/-/health/live/"), // JSON
      await req("/nope/"), // HTML error page
      await req("/"), // redirect
      await req("/application/o/token/", { method: "POST" }), // OAuth error JSON
      await withImmutable.request("/__immutable", {}, deps),
    ];
    for (const res of responses) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
    }
    expect(responses[4]!.status).toBe(302);
  });

  it("gives every response a request id and keeps a well-formed incoming one", async () => {
    const a = await req("/-/health/live/");
    expect(a.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const b = await req("/-/health/live/", { headers: { "X-Request-Id": "proxy-req-12345" } });
    expect(b.headers.get("x-request-id")).toBe("proxy-req-12345");
    const c = await req("/-/health/live/", { headers: { "X-Request-Id": "<script>" } });
    expect(c.headers.get("x-request-id")).not.toBe("<script>");
  });

  it("the admin API (built on its first request) keeps the request id in headers, errors and audit events", async () => {
    const headers = { "X-Request-Id": "api-req-0001", Authorization: `Bearer ${ADMIN_TOKEN}` };
    const missing = await req("/api/v3/core/nothing-here/", { headers });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toBe("api-req-0001");
    expect(missing.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await missing.json()).toMatchObject({ status: 404, request_id: "api-req-0001" });
    const created = await req("/api/v3/core/groups/", {
      method: "POST",
      headers: { ...headers, "X-Request-Id": "api-req-0002", "Content-Type": "application/json" },
      body: JSON.stringify({ name: "lazy-api-group" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-request-id")).toBe("api-req-0002");
    const audit = (await deps.store.events.list({ action: "model_created", limit: 20 })).find((e) => JSON.stringify(e.context).includes("lazy-api-group"));
    expect(audit?.context).toMatchObject({ http_request: { request_id: "api-req-0002" } });
    // Unauthenticated: the API's own problem JSON (not the page renderer's), with the id.
    const anon = await req("/api/v3/core/users/", { headers: { "X-Request-Id": "api-req-0003" } });
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ request_id: "api-req-0003" });
  });

  it("bootstrap is idempotent and creates akadmin with a usable password and a superuser token", async () => {
    const again = await bootstrap(deps, { password: "other-password", token: ADMIN_TOKEN });
    expect(again).toEqual({ createdAdmin: false, createdToken: false, needsSetup: false });
    const admin = await deps.store.users.byUsername(ADMIN_USERNAME);
    expect(admin?.email).toBe("admin@example.com");
    expect((await deps.passwords.verify("bootstrap-pass-1", admin!.passwordHash!)).valid).toBe(true);
    expect((await deps.passwords.verify("other-password", admin!.passwordHash!)).valid).toBe(false);
    expect(admin!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("API: anonymous → 401, bad token → 401, non-superuser → 403, all problem+json", async () => {
    const anon = await req("/api/v3/events/events/");
    expect(anon.status).toBe(401);
    expect(anon.headers.get("content-type")).toContain("application/problem+json");
    expect(anon.headers.get("www-authenticate")).toContain("Bearer");
    expect((await req("/api/v3/events/events/", auth("nope"))).status).toBe(401);
    const forbidden = await req("/api/v3/events/events/", auth(USER_TOKEN));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ status: 403, code: "permission_denied" });
  });

  it("API: malformed bodies → 400 with field errors, never a 500", async () => {
    const notJson = await req("/api/v3/events/events/", auth(ADMIN_TOKEN, { method: "POST", body: "{nope", headers: { "Content-Type": "application/json" } }));
    expect(notJson.status).toBe(400);
    const bad = await req(
      "/api/v3/events/events/",
      auth(ADMIN_TOKEN, { method: "POST", body: JSON.stringify({ action: "DROP TABLE", client_ip: "999.1.1.1" }), headers: { "Content-Type": "application/json" } }),
    );
    expect(bad.status).toBe(400);
    // authentik's validation shape: field → messages.
    const body = (await bad.json()) as Record<string, string[]>;
    expect(Object.keys(body).sort()).toEqual(["action", "app", "client_ip"]);
    expect(body.action![0]).toMatch(/event action/);
  });

  it("an event written in a request is enqueued and processed by the consumer", async () => {
    const res = await req(
      "/api/v3/events/events/",
      auth(ADMIN_TOKEN, { method: "POST", body: JSON.stringify({ action: "custom_test", app: "tests", context: { n: 1 } }), headers: { "Content-Type": "application/json" } }),
    );
    expect(res.status).toBe(201);
    const created = (await res.json()) as { pk: string; user: { username: string } };
    expect(created.user.username).toBe(ADMIN_USERNAME);
    await deps.queue.drain();
    const stored = await deps.store.events.byPk(created.pk);
    expect(stored?.processedAt).toBeInstanceOf(Date);
    expect(deps.logLines.some((l) => l.includes('"msg":"event"') && l.includes(created.pk))).toBe(true);
    const list = await req("/api/v3/events/events/?action=custom_test", auth(ADMIN_TOKEN));
    const page = (await list.json()) as { results: { pk: string }[] };
    expect(page.results.map((e) => e.pk)).toEqual([created.pk]);
  });

  it("renders unknown pages as HTML and unknown API paths as problem+json", async () => {
    const page = await req("/no/such/page");
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    const api = await req("/api/v3/no/such/", auth(ADMIN_TOKEN));
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
  });

  it("cron cleanup removes expired sessions, tokens and events past retention", async () => {
    const now = deps.clock.now();
    const past = new Date(now.getTime() - 1000);
    const future = new Date(now.getTime() + 3_600_000);
    const admin = (await deps.store.users.byUsername(ADMIN_USERNAME))!;
    await deps.store.sessions.create({ sessionKeyHash: "h-expired", userPk: admin.pk, lastIp: "127.0.0.1", lastUserAgent: "t", expires: past });
    await deps.store.sessions.create({ sessionKeyHash: "h-live", userPk: admin.pk, lastIp: "127.0.0.1", lastUserAgent: "t", expires: future });
    await deps.store.tokens.create({ identifier: "old-recovery", intent: "recovery", userPk: admin.pk, key: "k-old".padEnd(40, "x"), expiring: true, expires: past });
    await deps.store.events.create({ action: "login", expires: past });
    const result = await runCleanup(deps);
    expect(result).toMatchObject({ sessions: 1, tokens: 1, events: 1 });
    expect(await deps.store.sessions.byKeyHash("h-live")).not.toBeNull();
    expect(await deps.store.tokens.byIdentifier("old-recovery")).toBeNull();
  });

  it("re-enqueues events the queue lost (outbox), and the consumer then processes them", async () => {
    const failing = { ...deps, queue: { send: () => Promise.reject(new Error("queue down")) } };
    const { recordEvent } = await import("../../src/services/events.js");
    const lost = await recordEvent(failing, { action: "lost_in_queue", app: "tests" });
    expect(deps.logLines.some((l) => l.includes("event enqueue failed"))).toBe(true);
    expect((await deps.store.events.byPk(lost.pk))?.processedAt).toBeNull();
    deps.clock.advance(6 * 60_000);
    const result = await runCleanup(deps);
    expect(result.requeued).toBeGreaterThanOrEqual(1);
    await deps.queue.drain();
    expect((await deps.store.events.byPk(lost.pk))?.processedAt).toBeInstanceOf(Date);
  });

  it("never logs secrets (tokens, passwords) while serving requests", async () => {
    const text = deps.logLines.join("\n");
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain(USER_TOKEN);
    expect(text).not.toContain("bootstrap-pass-1");
  });
});

describe("README", () => {
  it("has the configuration table generated from the schema", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(renderReadme(readme)).toBe(readme);
  });
});
