import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, freePort, start, waitForHttp, type Spawned } from "../support/process.js";

const TOKEN = "e2e-bootstrap-token-".padEnd(48, "z");
const node = process.execPath;
// What `npm run dev` runs (package.json "dev"), without npm in between so signals reach the host.
const DEV = ["--import", "tsx", "src/node/main.ts", "--dev"];

describe("Node host on the embedded default (npm run dev)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "threshold-e2e-"));
  let proc: Spawned | undefined;
  afterAll(async () => {
    await proc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function events(base: string) {
    const res = await fetch(`${base}/api/v3/events/events/?action=model_created`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: { context: { model?: { name?: string } } }[] }).results;
  }

  it("starts, becomes ready, bootstraps akadmin, and keeps it across a restart", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    proc = start(node, DEV, cleanEnv({
      PORT: String(port),
      THRESHOLD_DATA_DIR: dataDir,
      THRESHOLD_BOOTSTRAP_PASSWORD: "first-run-password",
      THRESHOLD_BOOTSTRAP_TOKEN: TOKEN,
      THRESHOLD_BOOTSTRAP_EMAIL: "root@example.com",
    }));
    const first = await waitForHttp(`${base}/-/health/ready/`, { proc, timeoutMs: 90_000 });
    console.log(`[e2e] fresh data folder: /-/health/ready/ 200 after ${Math.round(first.ms)} ms`);
    expect(await first.res.json()).toEqual({ status: "ok", checks: { database: "ok", cache: "ok" } });
    expect(proc.output()).toContain(`Threshold is running on http://localhost:${port}`);
    expect(proc.output()).toContain("database: PGlite (embedded)");
    // akadmin exists and owns the bootstrap token (superuser API access works)
    const created = await events(base);
    expect(created.filter((e) => e.context.model?.name === "akadmin")).toHaveLength(1);
    expect(await proc.stop("SIGTERM")).toBe(0);

    proc = start(node, DEV, cleanEnv({ PORT: String(port), THRESHOLD_DATA_DIR: dataDir }));
    const second = await waitForHttp(`${base}/-/health/ready/`, { proc, timeoutMs: 90_000 });
    console.log(`[e2e] restart on existing data: ready after ${Math.round(second.ms)} ms`);
    // same data: the token still authenticates akadmin, and akadmin was not created again
    expect((await events(base)).filter((e) => e.context.model?.name === "akadmin")).toHaveLength(1);
    expect(proc.output()).toContain("Log in as akadmin");
    expect(await proc.stop("SIGTERM")).toBe(0);
  });

  it("prints the initial-setup URL when akadmin has no password", async () => {
    const dir = mkdtempSync(join(tmpdir(), "threshold-e2e-setup-"));
    const port = await freePort();
    const p = start(node, DEV, cleanEnv({ PORT: String(port), THRESHOLD_DATA_DIR: dir }));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/-/health/ready/`, { proc: p, timeoutMs: 90_000 });
      expect(p.output()).toContain(`Initial setup: http://localhost:${port}/if/flow/initial-setup/`);
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("invalid configuration", () => {
  const run = async (env: Record<string, string>) => {
    const p = start(node, ["--import", "tsx", "src/node/main.ts"], cleanEnv(env));
    const code = await p.exited;
    return { code, stderr: p.stderr().trim() };
  };

  it("a missing secret key outside development exits non-zero with one line naming the key", async () => {
    const { code, stderr } = await run({ THRESHOLD_ENVIRONMENT: "production" });
    expect(code).not.toBe(0);
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toBe("threshold: invalid configuration: THRESHOLD_SECRET_KEY: required when THRESHOLD_ENVIRONMENT=production");
  });

  it("a malformed DATABASE_URL exits non-zero with one line naming the key, without echoing it", async () => {
    const { code, stderr } = await run({ THRESHOLD_SECRET_KEY: "s".repeat(40), DATABASE_URL: "postgres//user:hunter2@" });
    expect(code).not.toBe(0);
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^threshold: invalid configuration: DATABASE_URL: /);
    expect(stderr).not.toContain("hunter2");
  });
});

describe("CLI", () => {
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const p = start(node, ["bin/threshold.mjs", ...args], cleanEnv(env));
    const code = await p.exited;
    return { code, out: p.output() };
  };

  it("has --help for the tool and each command, and fails on unknown commands", async () => {
    expect(await cli(["--help"])).toMatchObject({ code: 0, out: expect.stringContaining("Usage: threshold <command>") });
    expect(await cli(["migrate", "--help"])).toMatchObject({ code: 0, out: expect.stringContaining("Usage: threshold migrate") });
    expect((await cli(["frobnicate"])).code).not.toBe(0);
  });

  it("migrates the embedded database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "threshold-cli-"));
    try {
      const r = await cli(["migrate", "--dev"], { THRESHOLD_DATA_DIR: dir });
      expect(r.out).toContain("migrations applied to PGlite");
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
