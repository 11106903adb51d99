/**
 * Issue 8 — the restore rehearsal the README's backup section describes, on real PostgreSQL:
 * instance A is configured over HTTP (users, a group, an OIDC application, TOTP enrolled through
 * the default setup flow); `pg_dump -Fc` of its database is restored with `pg_restore` into a
 * fresh database; instance B, with the same THRESHOLD_SECRET_KEY, serves the same users and apps,
 * and the user still logs in with password and TOTP. Instance C on the same dump with another
 * secret key shows what a lost key costs: passwords and recovery codes (hashed) still work, the
 * TOTP seeds (wrapped with the key) do not.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { FlowClient, type FlowReply } from "../support/flows.js";
import { codeFor } from "../support/mfa.js";
import { createTestDatabase, type TestDatabase } from "../integration/store-databases.js";

const SERVER = process.env.DATABASE_URL;
const SECRET = "restore-rehearsal-secret-key-0123456789abcdef";
const PASSWORD = "rehearsal passphrase 4 restore";

/** FlowClient speaking real HTTP to a running instance (its `app.request` shim). */
function httpClient(server: NodeServer): FlowClient {
  const app = { request: (path: string, init: RequestInit) => fetch(new URL(path, server.url), { ...init, redirect: "manual" }) };
  return new FlowClient(app as never, () => server.deps, { "User-Agent": "restore-rehearsal" });
}

async function start(url: string, secret: string): Promise<NodeServer> {
  const config = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", DATABASE_URL: url, THRESHOLD_SECRET_KEY: secret }), PORT: 0 };
  return startNodeServer(config, { hostname: "127.0.0.1" });
}

/** identification → password on the default authentication flow; returns the client and the next reply. */
async function passwordLogin(server: NodeServer, username: string): Promise<{ client: FlowClient; reply: FlowReply }> {
  const client = httpClient(server);
  const slug = "default-authentication-flow";
  expect((await client.get(slug)).body.component).toBe("ak-stage-identification");
  await client.post(slug, { component: "ak-stage-identification", uid_field: username });
  const reply = await client.post(slug, { component: "ak-stage-password", password: PASSWORD });
  return { client, reply };
}

/** Users and applications as an operator would compare them: names, not primary keys. */
async function inventory(server: NodeServer) {
  const { store } = server.deps;
  const users = await Promise.all(["akadmin", "alice", "bob"].map((u) => store.users.byUsername(u)));
  const apps = await Promise.all(["grafana", "nextcloud"].map((s) => store.oauth2.providerByApplicationSlug(s)));
  return {
    users: users.map((u) => u && { username: u.username, email: u.email, active: u.isActive, hash: u.passwordHash }),
    apps: apps.map((p) => p && { provider: p.name, app: p.application?.name, settings: p.settings }),
  };
}

describe.skipIf(!SERVER)(`restore rehearsal: pg_dump → pg_restore → a second instance (${SERVER ? new URL(SERVER).host : "set DATABASE_URL"})`, () => {
  let source: TestDatabase;
  let restored: TestDatabase;
  let a: NodeServer;
  let b: NodeServer | undefined;
  let dir: string;
  let totpUri = "";
  let recoveryCodes: string[] = [];
  let before: Awaited<ReturnType<typeof inventory>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "threshold-restore-"));
    source = await createTestDatabase(SERVER!, { migrate: false });
    restored = await createTestDatabase(SERVER!, { migrate: false });
    a = await start(source.url, SECRET);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await source?.drop();
    await restored?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("instance A: users, a group, two OIDC applications and TOTP enrolled through the default setup flow", async () => {
    const { deps } = a;
    const hash = await deps.passwords.hash(PASSWORD);
    for (const username of ["alice", "bob"]) {
      await deps.store.users.create({ username, name: username, email: `${username}@example.com`, passwordHash: hash });
    }
    const staff = await deps.store.groups.create({ name: "staff" });
    const alice = await deps.store.users.byUsername("alice");
    await deps.store.groups.addMember(staff.pk, alice!.pk);
    const consent = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    for (const [name, slug] of [["Grafana", "grafana"], ["Nextcloud", "nextcloud"]] as const) {
      const created = await createOAuth2Provider(deps, {
        name,
        authorizationFlowPk: consent!.pk,
        settings: { redirect_uris: [{ matching_mode: "strict", url: `https://${slug}.example.com/callback` }] },
      });
      await deps.store.oauth2.createApplication({ name, slug, providerPk: created.provider.pk });
    }

    // alice logs in (no MFA yet: the validation stage skips) and enrols TOTP like a user would.
    const { client, reply } = await passwordLogin(a, "alice");
    expect(reply.body.component).toBe("xak-flow-redirect");
    const setup = "default-authenticator-totp-setup";
    const challenge = await client.get(setup);
    expect(challenge.body.component).toBe("ak-stage-authenticator-totp");
    totpUri = challenge.body.config_url as string;
    const done = await client.post(setup, { component: "ak-stage-authenticator-totp", code: await codeFor(totpUri, new Date()) });
    expect(done.body.component).toBe("xak-flow-redirect");
    const codes = await client.get("default-authenticator-static-setup");
    expect(codes.body.component).toBe("ak-stage-authenticator-static");
    recoveryCodes = codes.body.codes as string[];
    expect((await client.post("default-authenticator-static-setup", { component: "ak-stage-authenticator-static" })).body.component).toBe("xak-flow-redirect");
    expect((await deps.store.devices.devicesOf(alice!.pk)).map((d) => d.deviceClass).sort()).toEqual(["static", "totp"]);

    before = await inventory(a);
    expect(before.users.every(Boolean) && before.apps.every(Boolean)).toBe(true);
  });

  it("pg_dump of A restores with pg_restore into a fresh database", () => {
    const dump = join(dir, "threshold.dump");
    execFileSync("pg_dump", ["--format=custom", "--no-owner", `--file=${dump}`, source.url], { stdio: "pipe" });
    execFileSync("pg_restore", ["--no-owner", "--exit-on-error", `--dbname=${restored.url}`, dump], { stdio: "pipe" });
  });

  it("instance B (same secret key) serves the same users and apps; alice logs in with password and TOTP", async () => {
    await a.close();
    b = await start(restored.url, SECRET);
    expect(await inventory(b)).toEqual(before);
    const alice = await b.deps.store.users.byUsername("alice");
    expect((await b.deps.store.groups.groupsOf(alice!.pk)).map((g) => g.name)).toEqual(["staff"]);

    const { client, reply } = await passwordLogin(b, "alice");
    expect(reply.body.component).toBe("ak-stage-authenticator-validate");
    // The next time step: the code used at enrolment on A is not accepted twice.
    const next = new Date(Date.now() + 30_000);
    const ok = await client.post("default-authentication-flow", { component: "ak-stage-authenticator-validate", code: await codeFor(totpUri, next) });
    expect(ok.body.component).toBe("xak-flow-redirect");
    // bob never enrolled MFA: password alone, as on A.
    expect((await passwordLogin(b, "bob")).reply.body.component).toBe("xak-flow-redirect");
  });

  it("with a different secret key: passwords and recovery codes still work, TOTP seeds are lost (refused, not a crash)", async () => {
    await b?.close();
    b = await start(restored.url, "a-different-secret-key-that-was-not-backed-up");
    expect((await passwordLogin(b, "bob")).reply.body.component).toBe("xak-flow-redirect");
    const { client, reply } = await passwordLogin(b, "alice");
    expect(reply.body.component).toBe("ak-stage-authenticator-validate");
    const slug = "default-authentication-flow";
    const totp = await client.post(slug, { component: "ak-stage-authenticator-validate", code: await codeFor(totpUri, new Date(Date.now() + 60_000)) });
    expect(totp.status).toBe(200);
    expect(totp.body.component).toBe("ak-stage-authenticator-validate");
    expect(totp.body.response_errors).toMatchObject({ code: [{ code: "invalid" }] });
    const recovery = await client.post(slug, { component: "ak-stage-authenticator-validate", code: recoveryCodes[0] });
    expect(recovery.body.component).toBe("xak-flow-redirect");
  });
});
