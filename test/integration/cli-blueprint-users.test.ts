/**
 * The CLI's heavy checks in-process (the command functions on PGlite; `test/e2e/cli.test.ts`
 * spawns `bin/threshold.mjs` for the wiring): blueprint export round trip, apply twice, a broken
 * blueprint, and `users import` of 10,000 users with Django pbkdf2_sha256 and bcrypt hashes who
 * then log in through the default authentication flow and get argon2id hashes.
 */
import { pbkdf2Sync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportBlueprint } from "../../src/adapters/postgres/blueprint-export.js";
import { applyDefaultBlueprints } from "../../src/adapters/postgres/blueprints.js";
import { migratePglite } from "../../src/adapters/postgres/migrate.js";
import { createPgliteStore } from "../../src/adapters/postgres/pglite.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { createApp } from "../../src/app.js";
import type { Io } from "../../src/cli/command.js";
import { applyFiles } from "../../src/cli/commands/blueprint-apply.js";
import { createRecoveryLink } from "../../src/cli/commands/recovery-link.js";
import { importUsersText } from "../../src/cli/commands/users-import.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient } from "../support/flows.js";

function captureIo(): Io & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    env: {},
    out: () => out,
    err: () => err,
  };
}

const dir = mkdtempSync(join(tmpdir(), "threshold-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("blueprint export / apply", () => {
  let a: DrizzleStore;
  let b: DrizzleStore;
  beforeAll(async () => {
    a = await createPgliteStore();
    await migratePglite(a);
    b = await createPgliteStore();
    await migratePglite(b);
    await applyDefaultBlueprints(a.db, { env: () => undefined });
    // Configure A beyond the defaults: nested groups, a group-bound policy, an app with a provider.
    const extra = `version: 1
entries:
  - model: authentik_core.group
    id: staff
    identifiers: {name: staff}
    attrs: {attributes: {team: ops}}
  - model: authentik_core.group
    identifiers: {name: admins-sub}
    attrs: {parents: [!KeyOf staff]}
  - model: authentik_policies_expression.expressionpolicy
    id: pol
    identifiers: {name: only-staff}
    attrs: {expression: "true"}
  - model: authentik_providers_oauth2.oauth2provider
    id: prov
    identifiers: {name: grafana}
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      client_id: grafana
      client_secret: very-secret
      redirect_uris: [{matching_mode: strict, url: "https://grafana.example/cb"}]
  - model: authentik_core.application
    id: app
    identifiers: {slug: grafana}
    attrs: {name: Grafana, provider: !KeyOf prov}
  - model: authentik_policies.policybinding
    identifiers: {target: !KeyOf app, policy: !KeyOf pol, order: 0}
  - model: authentik_policies.policybinding
    identifiers: {target: !KeyOf app, group: !KeyOf staff, order: 10}
`;
    writeFileSync(join(dir, "extra.yaml"), extra);
    expect(await applyFiles(a.db, [join(dir, "extra.yaml")], captureIo())).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("round trips: export → apply to an empty instance → export is identical; no secrets", async () => {
    const first = await exportBlueprint(a.db);
    expect(first).toContain("!KeyOf flow-default-authentication-flow");
    expect(first).toContain("authentik_stages_prompt.prompt");
    expect(first).toContain("redirect_uris");
    expect(first).not.toContain("very-secret");
    expect(first).not.toContain("client_secret");
    expect(first).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/); // no pks: references are tags
    const file = join(dir, "export.yaml");
    writeFileSync(file, first);
    const io = captureIo();
    expect(await applyFiles(b.db, [file], io)).toBe(0);
    expect(io.out()).toMatch(/\d+ created, 0 updated/);
    expect(await exportBlueprint(b.db)).toBe(first);
    // Applying again changes nothing.
    const again = captureIo();
    expect(await applyFiles(b.db, [file], again)).toBe(0);
    expect(again.out()).toMatch(/: 0 created, 0 updated, \d+ unchanged, 0 deleted, 0 skipped/);
    expect(await exportBlueprint(b.db)).toBe(first);
  }, 60_000);

  it("a broken blueprint changes nothing and names the failing entry", async () => {
    const before = await exportBlueprint(b.db);
    const file = join(dir, "broken.yaml");
    writeFileSync(
      file,
      `version: 1
entries:
  - model: authentik_core.group
    identifiers: {name: should-not-exist}
  - model: authentik_flows.flow
    identifiers: {slug: default-authentication-flow}
    attrs: {title: changed}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf nowhere, stage: x, order: 1}
`,
    );
    const io = captureIo();
    expect(await applyFiles(b.db, [file], io)).toBe(1);
    expect(io.err()).toContain("entry 2 (authentik_flows.flowstagebinding");
    expect(io.err()).toContain("rolled back");
    expect(await exportBlueprint(b.db)).toBe(before);
  }, 30_000);
});

describe("users import: 10,000 users with Django pbkdf2_sha256 and bcrypt hashes", () => {
  let deps: TestDeps;
  const app = createApp();
  const N = 10_000;
  const password = (i: number) => `old password ${i % 50}`;
  beforeAll(async () => {
    deps = await makeTestDeps();
    await applyDefaultBlueprints((deps.store as DrizzleStore).db, { env: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  /** Low-cost hashes (valid in their formats: the hasher accepts any iteration count / cost). */
  function fixtureCsv(): string {
    const django = new Map<number, string>();
    const bcrypts = new Map<number, string>();
    const djangoHash = (pw: string, salt: string, iterations: number) =>
      `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(pw, salt, iterations, 32, "sha256").toString("base64")}`;
    const lines = ["username,email,name,password_hash,groups"];
    for (let i = 0; i < N; i++) {
      const k = i % 50;
      let hash: string;
      if (i % 2 === 0) {
        if (!django.has(k)) django.set(k, djangoHash(password(i), `salt${k}abcdefgh`, 1000));
        hash = django.get(k)!;
      } else {
        if (!bcrypts.has(k)) bcrypts.set(k, bcrypt.hashSync(password(i), 4));
        hash = bcrypts.get(k)!;
      }
      lines.push(`user${i},user${i}@example.com,User ${i},${hash},${i % 3 === 0 ? "imported;staff" : "imported"}`);
    }
    // Real-cost fixtures: Django 5.2's 1,000,000 iterations and bcrypt cost 12.
    lines.push(`realdjango,real@example.com,Real Django,${djangoHash("real django pw", "realsaltrealsalt", 1_000_000)},imported`);
    lines.push(`realbcrypt,realb@example.com,Real Bcrypt,${bcrypt.hashSync("real bcrypt pw", 12)},imported`);
    lines.push(`,nobody@example.com,No Name,,`);
    lines.push(`weird,w@example.com,Weird,md5$abc$def,`);
    return lines.join("\n") + "\n";
  }

  async function logIn(username: string, pw: string) {
    const c = new FlowClient(app, () => deps);
    const slug = "default-authentication-flow";
    await c.get(slug);
    await c.post(slug, { component: "ak-stage-identification", uid_field: username });
    return c.post(slug, { component: "ak-stage-password", password: pw });
  }

  it("imports in batches with a progress report, idempotently, then users log in and are re-hashed", async () => {
    const csv = fixtureCsv();
    const io = captureIo();
    const t0 = performance.now();
    expect(await importUsersText((deps.store as DrizzleStore).db, csv, { file: "users.csv" }, io)).toBe(0);
    const ms = Math.round(performance.now() - t0);
    console.log(`[cli] users import of ${N + 2} users: ${ms} ms`);
    expect(io.out()).toContain(`${N + 2} imported, 0 updated, 0 unchanged, 2 skipped, 2 groups created`);
    expect(io.out()).toContain("skipped record");
    expect(io.out()).toContain("(weird): password hash in an unsupported format");
    expect(io.err()).toContain(`importing users: ${N + 4}/${N + 4} (100%)`);
    expect(await deps.store.users.count()).toBe(N + 2);

    // Idempotent on username.
    const again = captureIo();
    expect(await importUsersText((deps.store as DrizzleStore).db, csv, { file: "users.csv" }, again)).toBe(0);
    expect(again.out()).toContain(`0 imported, 0 updated, ${N + 2} unchanged, 2 skipped`);

    const sample = [0, 1, 2, 3, 4998, 4999, 9998, 9999];
    for (const i of sample) {
      const before = (await deps.store.users.byUsername(`user${i}`))!.passwordHash!;
      expect(before.startsWith(i % 2 === 0 ? "pbkdf2_sha256$1000$" : "$2")).toBe(true);
      const done = await logIn(`user${i}`, password(i));
      expect(done.body, `user${i}`).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
      expect((await deps.store.users.byUsername(`user${i}`))!.passwordHash).toMatch(/^\$argon2id\$/);
    }
    for (const [u, pw] of [["realdjango", "real django pw"], ["realbcrypt", "real bcrypt pw"]] as const) {
      expect((await logIn(u, pw)).body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
      expect((await deps.store.users.byUsername(u))!.passwordHash).toMatch(/^\$argon2id\$/);
    }
    // A wrong password does not log in (and leaves the imported hash alone).
    expect((await logIn("user10", "not it")).body.component).toBe("ak-stage-password");
    expect((await deps.store.users.byUsername("user10"))!.passwordHash).toMatch(/^pbkdf2_sha256\$/);
    // A re-import after the upgrade keeps the argon2id hash.
    await importUsersText((deps.store as DrizzleStore).db, csv, { file: "users.csv" }, captureIo());
    expect((await deps.store.users.byUsername("user0"))!.passwordHash).toMatch(/^\$argon2id\$/);
  }, 300_000);

  it("recovery-link: the link resumes the default recovery flow after its email stage, once", async () => {
    const r = await createRecoveryLink(deps, { username: "user7", expiresMs: 3_600_000, base: "http://localhost" });
    if (!r.ok) throw new Error(r.error);
    expect(r.url).toBe(`http://localhost/if/flow/default-recovery-flow/?flow_token=${r.key}`);
    const slug = "default-recovery-flow";
    const browser = new FlowClient(app, () => deps);
    expect((await browser.get(slug, `flow_token=${r.key}`)).body).toMatchObject({ component: "ak-stage-prompt" });
    const pw = "a brand new passphrase 4711!";
    const done = await browser.post(slug, { component: "ak-stage-prompt", password: pw, password_repeat: pw }, { query: `flow_token=${r.key}` });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    const user = (await deps.store.users.byUsername("user7"))!;
    expect(await deps.passwords.verify(pw, user.passwordHash!)).toMatchObject({ valid: true });
    // Single use.
    const again = await new FlowClient(app, () => deps).get(slug, `flow_token=${r.key}`);
    expect(JSON.stringify(again.body)).toContain("invalid");
    expect(await createRecoveryLink(deps, { username: "nobody-here", expiresMs: 1000, base: "http://localhost" })).toEqual({ ok: false, error: "no user 'nobody-here'" });
  }, 60_000);
});
