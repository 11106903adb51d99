/**
 * The admin API inside workerd (`wrangler dev` on workers/index.ts) against real PostgreSQL through
 * the Neon driver: the OpenAPI document builds there, lists paginate, writes validate and land,
 * and the read-only role is refused writes — the same code the Node host runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import { createTestDatabase, type TestDatabase } from "../integration/store-databases.js";
import { startNeonWsProxy, type NeonWsProxy } from "../support/neon-ws-proxy.js";
import { cleanEnv, freePort, start, waitForHttp, type Spawned } from "../support/process.js";

const DATABASE_URL = process.env.DATABASE_URL;
const SECRET = "api-worker-e2e-secret-".padEnd(48, "k");
const ADMIN = "api-worker-e2e-admin-".padEnd(48, "a");
const READER = "api-worker-e2e-reader-".padEnd(48, "r");

describe.skipIf(!DATABASE_URL)("admin API in workerd on PostgreSQL (Neon driver)", () => {
  let db: TestDatabase;
  let proxy: NeonWsProxy;
  let proc: Spawned;
  let base: string;
  let stateDir: string;
  const call = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) } });

  beforeAll(async () => {
    db = await createTestDatabase(DATABASE_URL!);
    const store = createPgStore(db.url);
    await store.transaction(async (tx) => {
      const admins = await tx.groups.create({ name: "authentik Admins", isSuperuser: true });
      const readers = await tx.groups.create({ name: "readers", attributes: { "threshold.roles": ["read_only"] } });
      const admin = await tx.users.create({ username: "akadmin" });
      const reader = await tx.users.create({ username: "reader" });
      await tx.groups.addMember(admins.pk, admin.pk);
      await tx.groups.addMember(readers.pk, reader.pk);
      await tx.tokens.create({ identifier: "admin", intent: "api", userPk: admin.pk, key: ADMIN });
      await tx.tokens.create({ identifier: "reader", intent: "api", userPk: reader.pk, key: READER });
    });
    await store.close();
    proxy = await startNeonWsProxy();
    const port = await freePort();
    stateDir = mkdtempSync(join(tmpdir(), "threshold-api-wrangler-"));
    const vars = { THRESHOLD_ENVIRONMENT: "test", THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: db.url, THRESHOLD_NEON_WS_PROXY: `127.0.0.1:${proxy.port}` };
    const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(await freePort()), "--persist-to", stateDir, "--log-level", "warn"];
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
    proc = start("npx", args, cleanEnv());
    base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/-/health/ready/`, { proc, timeoutMs: 120_000 });
  });
  afterAll(async () => {
    await proc?.stop();
    await proxy?.close();
    await db?.drop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("serves the OpenAPI 3.1 document and the reference page", async () => {
    const doc = (await (await fetch(`${base}/api/v3/schema/`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(50);
    expect(await (await fetch(`${base}/api/v3/`)).text()).toContain("/api/v3/core/groups/");
  });

  it("creates, lists, patches and refuses as the roles say", async () => {
    const created = await call("/api/v3/core/groups/", ADMIN, { method: "POST", body: JSON.stringify({ name: "edge" }) });
    expect(created.status).toBe(201);
    const group = (await created.json()) as { pk: string };
    const user = await call("/api/v3/core/users/", ADMIN, { method: "POST", body: JSON.stringify({ username: "edgy", groups: [group.pk] }) });
    expect(user.status).toBe(201);
    const page = (await (await call("/api/v3/core/users/?page_size=1&ordering=username", READER)).json()) as { pagination: { count: number; next: number }; results: { username: string }[] };
    expect(page.pagination).toMatchObject({ count: 3, next: 2 });
    expect(page.results[0]!.username).toBe("akadmin");
    const invalid = await call("/api/v3/core/users/", ADMIN, { method: "POST", body: JSON.stringify({ username: "" }) });
    expect(invalid.status).toBe(400);
    expect(Object.keys((await invalid.json()) as object)).toEqual(["username"]);
    expect((await call(`/api/v3/core/groups/${group.pk}/`, READER, { method: "PATCH", body: JSON.stringify({ name: "x" }) })).status).toBe(403);
    const events = (await (await call("/api/v3/events/events/?action=model_created", READER)).json()) as { pagination: { count: number } };
    expect(events.pagination.count).toBe(2);
    const volume = (await (await call("/api/v3/events/events/volume/?action=model_created", READER)).json()) as { count: number }[];
    expect(volume.reduce((n, v) => n + v.count, 0)).toBe(2);
  });
});
