/**
 * Serving the web UIs (issue 7): the built SPA at /if/admin/ and /if/user/ on the Node host and on
 * the Worker (`wrangler dev` with `[assets]`): login redirect with `?next=`, client-side routes
 * falling back to index.html, admin only for superusers, hashed assets cacheable for a year.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { createTestDatabase, type TestDatabase } from "../integration/store-databases.js";
import { startNeonWsProxy, type NeonWsProxy } from "../support/neon-ws-proxy.js";
import { cleanEnv, freePort, start, waitForHttp, type Spawned } from "../support/process.js";
import { HttpSession } from "../support/spa-session.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";
const adminHtml = () => readFileSync(new URL("../../web/dist/static/web/admin.html", import.meta.url), "utf8");
const assetOf = (html: string) => /src="(\/static\/web\/assets\/[^"]+\.js)"/.exec(html)![1]!;

describe("web UIs on the Node host", () => {
  let server: NodeServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-ui-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    const { deps } = server;
    const admin = await deps.store.users.byUsername("akadmin");
    const hash = await deps.passwords.hash(PASSWORD);
    await deps.store.users.setPassword(admin!.pk, hash, deps.clock.now());
    await deps.store.users.create({ username: "plain", name: "Plain User", passwordHash: hash });
    // A read-only admin (role through a parent group) may open the admin UI; the API limits it.
    const auditors = await deps.store.groups.create({ name: "Auditors", attributes: { "threshold.roles": ["read_only"] } });
    const team = await deps.store.groups.create({ name: "Audit team", parentPks: [auditors.pk] });
    const viewer = await deps.store.users.create({ username: "viewer", passwordHash: hash });
    await deps.store.groups.addMember(team.pk, viewer.pk);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sends / to the portal and anonymous visitors to the login flow with ?next=", async () => {
    const s = new HttpSession(server.url.replace("localhost", "127.0.0.1"));
    const root = await s.fetch("/");
    expect([root.status, root.headers.get("location")]).toEqual([302, "/if/user/"]);
    const deep = await s.fetch("/if/admin/users/12?tab=sessions");
    expect(deep.status).toBe(302);
    expect(deep.headers.get("location")).toBe(`/if/flow/default-authentication-flow/?next=${encodeURIComponent("/if/admin/users/12?tab=sessions")}`);
    const bare = await s.fetch("/if/user");
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/if/user/"]);
  });

  it("serves the admin SPA for any client-side route to a superuser, with CSP and a CSRF cookie", async () => {
    const s = new HttpSession(server.url.replace("localhost", "127.0.0.1"));
    await s.login("akadmin", PASSWORD);
    // The brand's title is written into the page: escaped, and `$&` is not a replacement pattern.
    const brands = await s.json("/api/v3/core/brands/");
    const brand = brands.body.results.find((b: { default: boolean }) => b.default);
    const patched = await s.json(`/api/v3/core/brands/${brand.brand_uuid}/`, { method: "PATCH", body: JSON.stringify({ branding_title: "Acme <Login> $& Co" }) });
    expect(patched.status).toBe(200);
    for (const path of ["/if/admin/", "/if/admin/users/12", "/if/admin/flows/default-authentication-flow"]) {
      const res = await s.fetch(path);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html).toContain(assetOf(adminHtml()));
      // The request's brand is written into the page (title and a meta tag the SPA reads).
      expect(html).toContain("<title>Acme &#60;Login&#62; $&#38; Co</title>");
      expect(html).toContain('<meta name="threshold-brand" content="{&#34;title&#34;:');
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
    expect(s.jar.get("authentik_csrf")).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect((await s.fetch("/if/user/sessions")).status).toBe(200);
  });

  it("serves the admin SPA to a read-only admin (role inherited from a parent group)", async () => {
    const s = new HttpSession(server.url.replace("localhost", "127.0.0.1"));
    await s.login("viewer", PASSWORD);
    expect((await s.fetch("/if/admin/")).status).toBe(200);
  });

  it("sends users without an admin role from the admin UI to the portal", async () => {
    const s = new HttpSession(server.url.replace("localhost", "127.0.0.1"));
    await s.login("plain", PASSWORD);
    const res = await s.fetch("/if/admin/");
    expect([res.status, res.headers.get("location")]).toEqual([302, "/if/user/"]);
    expect((await s.fetch("/if/user/")).status).toBe(200);
  });

  it("serves hashed assets as immutable, revalidates by ETag, and refuses paths outside web/dist", async () => {
    const asset = assetOf(adminHtml());
    const res = await fetch(server.url + asset);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const again = await fetch(server.url + asset, { headers: { "If-None-Match": res.headers.get("etag")! } });
    expect(again.status).toBe(304);
    for (const bad of ["/static/web/..%2f..%2f..%2fpackage.json", "/static/web/%2e%2e/%2e%2e/_headers", "/static/web/assets/missing-abc.js"]) {
      expect((await fetch(server.url + bad)).status, bad).toBe(404);
    }
  });
});

/** `wrangler dev` on workers/index.ts with the built web/dist as `[assets]`. */
async function startWorker(vars: Record<string, string>): Promise<{ proc: Spawned; base: string; stateDir: string }> {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "threshold-wrangler-ui-"));
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(await freePort()), "--persist-to", stateDir, "--log-level", "warn"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const proc = start("npx", args, cleanEnv());
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/-/health/live/`, { proc, timeoutMs: 150_000 });
  return { proc, base, stateDir };
}

describe("web UIs on the Worker (wrangler dev, [assets])", () => {
  let proc: Spawned;
  let base: string;
  let stateDir: string;
  beforeAll(async () => {
    // No database is needed: anonymous requests never reach it, assets never reach the Worker.
    ({ proc, base, stateDir } = await startWorker({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_SECRET_KEY: "w".repeat(40), DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }));
  });
  afterAll(async () => {
    await proc?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("redirects anonymous visitors to the login flow and / to the portal", async () => {
    const res = await fetch(`${base}/if/admin/applications`, { redirect: "manual" });
    expect([res.status, res.headers.get("location")]).toEqual([302, `/if/flow/default-authentication-flow/?next=${encodeURIComponent("/if/admin/applications")}`]);
    const root = await fetch(`${base}/`, { redirect: "manual" });
    expect(root.headers.get("location")).toBe("/if/user/");
  });

  it("serves the built assets from [assets] with the immutable cache header", async () => {
    const asset = assetOf(adminHtml());
    const res = await fetch(base + asset);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await res.text()).toBe(readFileSync(new URL(`../../web/dist${asset}`, import.meta.url), "utf8"));
    expect((await fetch(`${base}/_headers`)).status).not.toBe(200);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("admin SPA from the Worker's ASSETS binding (PostgreSQL via the Neon driver)", () => {
  let db: TestDatabase;
  let proxy: NeonWsProxy;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const key = "worker-ui-session-key-".padEnd(48, "k");
  beforeAll(async () => {
    db = await createTestDatabase(process.env.DATABASE_URL!);
    const store = createPgStore(db.url);
    await store.transaction(async (tx) => {
      const group = await tx.groups.create({ name: "authentik Admins", isSuperuser: true });
      const user = await tx.users.create({ username: "akadmin" });
      await tx.groups.addMember(group.pk, user.pk);
      await tx.sessions.create({ sessionKeyHash: await sha256Hex(key), userPk: user.pk, lastIp: "127.0.0.1", lastUserAgent: "e2e", expires: new Date(Date.now() + 3_600_000) });
    });
    await store.close();
    proxy = await startNeonWsProxy();
    worker = await startWorker({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_SECRET_KEY: "w".repeat(40), DATABASE_URL: db.url, THRESHOLD_NEON_WS_PROXY: `127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    await worker?.proc.stop();
    await proxy?.close();
    await db?.drop();
    if (worker) rmSync(worker.stateDir, { recursive: true, force: true });
  });

  it("answers a superuser's deep link with the admin index.html", async () => {
    const res = await fetch(`${worker.base}/if/admin/flows/default-authentication-flow`, { headers: { Cookie: `authentik_session=${key}` }, redirect: "manual" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(assetOf(adminHtml()));
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});
