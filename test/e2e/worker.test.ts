import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import { createTestDatabase, type TestDatabase } from "../integration/store-databases.js";
import { startNeonWsProxy, type NeonWsProxy } from "../support/neon-ws-proxy.js";
import { cleanEnv, eventually, freePort, start, waitForHttp, type Spawned } from "../support/process.js";
import { startUpstashShim, type UpstashShim } from "../support/upstash-rest-shim.js";

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;
const SECRET = "worker-e2e-secret-key-".padEnd(48, "k");
const TOKEN = "worker-e2e-admin-token-".padEnd(48, "t");

/** `wrangler dev` on the real Worker entry (workers/index.ts) in local workerd, with miniflare's queue and cron. */
async function startWorker(vars: Record<string, string>): Promise<{ proc: Spawned; base: string; stateDir: string }> {
  const port = await freePort();
  const inspector = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "threshold-wrangler-"));
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector), "--test-scheduled", "--persist-to", stateDir, "--log-level", "warn"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const proc = start("npx", args, cleanEnv());
  return { proc, base: `http://127.0.0.1:${port}`, stateDir };
}

describe("Worker under wrangler dev without a reachable database", () => {
  let w: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    w = await startWorker({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
  });
  afterAll(async () => {
    await w?.proc.stop();
    if (w) rmSync(w.stateDir, { recursive: true, force: true });
  });

  it("is live, and reports not ready naming the database", async () => {
    const { ms } = await waitForHttp(`${w.base}/-/health/live/`, { proc: w.proc, timeoutMs: 120_000 });
    console.log(`[e2e] wrangler dev live after ${Math.round(ms)} ms`);
    const ready = await fetch(`${w.base}/-/health/ready/`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable", checks: { database: "failing", cache: "ok" } });
  });

  it("answers a malformed configuration with a readable error naming the key", async () => {
    const bad = await startWorker({ THRESHOLD_ENVIRONMENT: "test", DATABASE_URL: "mysql://x" });
    try {
      const { res } = await waitForHttp(`${bad.base}/-/health/live/`, { proc: bad.proc, status: 500, timeoutMs: 120_000 });
      expect(await res.text()).toBe("Threshold is misconfigured: DATABASE_URL: must be a postgres:// or postgresql:// URL with a host\n");
    } finally {
      await bad.proc.stop();
      rmSync(bad.stateDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!DATABASE_URL)("Worker under wrangler dev on real PostgreSQL (Neon driver via ws proxy)", () => {
  let db: TestDatabase;
  let proxy: NeonWsProxy;
  let shim: UpstashShim | undefined;
  let w: Awaited<ReturnType<typeof startWorker>>;
  let sql: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase(DATABASE_URL!);
    // akadmin-like superuser with an API token, written through the same repositories
    const store = createPgStore(db.url);
    await store.transaction(async (tx) => {
      const group = await tx.groups.create({ name: "authentik Admins", isSuperuser: true });
      const user = await tx.users.create({ username: "akadmin" });
      await tx.groups.addMember(group.pk, user.pk);
      await tx.tokens.create({ identifier: "e2e", intent: "api", userPk: user.pk, key: TOKEN });
    });
    await store.close();
    proxy = await startNeonWsProxy();
    const vars: Record<string, string> = {
      THRESHOLD_ENVIRONMENT: "test",
      THRESHOLD_SECRET_KEY: SECRET,
      DATABASE_URL: db.url,
      THRESHOLD_NEON_WS_PROXY: `127.0.0.1:${proxy.port}`,
    };
    if (REDIS_URL) {
      shim = await startUpstashShim({ redisUrl: REDIS_URL, token: "shim-token" });
      vars.UPSTASH_REDIS_REST_URL = shim.url;
      vars.UPSTASH_REDIS_REST_TOKEN = shim.token;
    }
    w = await startWorker(vars);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await w?.proc.stop();
    await sql?.end();
    await proxy?.close();
    await shim?.close();
    await db?.drop();
    if (w) rmSync(w.stateDir, { recursive: true, force: true });
  });

  it(`is ready: database through the Neon driver${REDIS_URL ? ", cache through the Upstash client" : ""}`, async () => {
    const { res } = await waitForHttp(`${w.base}/-/health/ready/`, { proc: w.proc, timeoutMs: 120_000 });
    expect(await res.json()).toEqual({ status: "ok", checks: { database: "ok", cache: "ok" } });
    console.log(`[e2e] worker ready on PostgreSQL ${db.server} via Neon driver${shim ? ` and Redis via Upstash REST shim (${shim.url})` : ""}`);
  });

  it("processes an event written in a request through the Cloudflare queue consumer", async () => {
    const res = await fetch(`${w.base}/api/v3/events/events/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ action: "custom_e2e", app: "e2e", context: { via: "wrangler" } }),
    });
    expect(res.status).toBe(201);
    const { pk } = (await res.json()) as { pk: string };
    const processed = await eventually(async () => {
      const r = await sql.query<{ processed_at: Date | null }>("select processed_at from events where event_uuid = $1", [pk]);
      return r.rows[0]?.processed_at ?? null;
    }, 60_000, "the queue consumer to process the event");
    expect(processed).toBeInstanceOf(Date);
  });

  it("runs the cleanup cron through --test-scheduled", async () => {
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const store = createPgStore(db.url);
    const admin = (await store.users.byUsername("akadmin"))!;
    await store.sessions.create({ sessionKeyHash: "expired-e2e", userPk: admin.pk, lastIp: "127.0.0.1", lastUserAgent: "e2e", expires: past });
    await store.sessions.create({ sessionKeyHash: "live-e2e", userPk: admin.pk, lastIp: "127.0.0.1", lastUserAgent: "e2e", expires: future });
    await store.tokens.create({ identifier: "expired-e2e", intent: "recovery", userPk: admin.pk, key: "expired-e2e-key".padEnd(40, "x"), expiring: true, expires: past });
    await store.events.create({ action: "login", expires: past });
    await store.close();

    const res = await fetch(`${w.base}/__scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
    expect(res.status).toBe(200);
    await eventually(async () => {
      const r = await sql.query<{ s: string; t: string; e: string }>(
        `select (select count(*) from authenticated_sessions where expires < now()) as s,
                (select count(*) from tokens where expiring and expires < now()) as t,
                (select count(*) from events where expires < now()) as e`,
      );
      const row = r.rows[0]!;
      return row.s === "0" && row.t === "0" && row.e === "0";
    }, 30_000, "the cron to delete expired rows");
    const live = await sql.query("select 1 from authenticated_sessions where session_key_hash = $1", ["live-e2e"]);
    expect(live.rowCount).toBe(1);
  });
});
