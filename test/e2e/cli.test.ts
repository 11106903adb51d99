/**
 * `bin/threshold.mjs` as users run it (each spawn opens PGlite, so only a few): help, a broken
 * blueprint (non-zero exit naming the entry, nothing applied), and a users import.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, start } from "../support/process.js";

const dataDir = mkdtempSync(join(tmpdir(), "threshold-cli-e2e-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  const p = start(process.execPath, ["bin/threshold.mjs", ...args], cleanEnv({ THRESHOLD_DATA_DIR: dataDir }));
  const code = await p.exited;
  return { code, out: p.output(), err: p.stderr() };
}

describe("threshold CLI (spawned)", () => {
  it("prints help per command and rejects unknown options", async () => {
    const help = await cli("blueprint", "export", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: threshold blueprint export");
    const recovery = await cli("recovery-link", "--help");
    expect(recovery.code).toBe(0);
    expect(recovery.out).toContain("flow_token=<key>");
    const bad = await cli("users", "import", "--frobnicate");
    expect(bad.code).toBe(64);
    expect(bad.err).toContain("unknown option '--frobnicate'");
  }, 60_000);

  it("a broken blueprint exits 1 and names the entry (rollback: test/integration/cli-blueprint-users)", async () => {
    const file = join(dataDir, "broken.yaml");
    writeFileSync(
      file,
      "version: 1\nentries:\n  - model: authentik_core.group\n    identifiers: {name: nope}\n" +
        "  - model: authentik_flows.flowstagebinding\n    identifiers: {target: !KeyOf missing, stage: x, order: 1}\n",
    );
    const r = await cli("blueprint", "apply", file, "--dev");
    expect(r.code).toBe(1);
    expect(r.err).toContain("entry 1 (authentik_flows.flowstagebinding");
    expect(r.err).toContain('no earlier entry with id "missing"');
  }, 120_000);

  it("users import reads JSON and prints a summary", async () => {
    const file = join(dataDir, "users.json");
    writeFileSync(
      file,
      JSON.stringify([
        { username: "ann", email: "ann@example.com", name: "Ann", password_hash: "pbkdf2_sha256$1000$c2FsdA$x", groups: ["ops"] },
        { username: "bob", email: "bob@example.com" },
        { email: "nobody@example.com" },
      ]),
    );
    const r = await cli("users", "import", file, "--dev");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("2 imported, 0 updated, 0 unchanged, 1 skipped, 1 groups created");
    expect(r.out).toContain("skipped record 3: no username");
  }, 120_000);
});
