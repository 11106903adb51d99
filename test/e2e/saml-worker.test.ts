/**
 * The SAML IdP inside workerd (`wrangler dev` on workers/index.ts, PostgreSQL through the Neon
 * driver): metadata (key + self-signed certificate generated in the Worker), SP-initiated SSO
 * with a signed Redirect request through the flow pages and a consent stage (the fulfilment step
 * runs in the Worker), an encrypted assertion node-saml decrypts, and a malformed request → 400.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAML } from "@node-saml/node-saml";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import { createPasswordHasher } from "../../src/core/passwords/index.js";
import type { Deps } from "../../src/deps.js";
import { loadArgon2Module } from "../../src/node/argon2.js";
import { importCertificate } from "../../src/protocols/saml/keys.js";
import { createSamlProvider } from "../../src/protocols/saml/settings.js";
import { createTestDatabase, type TestDatabase } from "../integration/store-databases.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { seedAuthenticationFlow, seedFlow } from "../support/flows.js";
import { startNeonWsProxy, type NeonWsProxy } from "../support/neon-ws-proxy.js";
import { cleanEnv, freePort, start, waitForHttp, type Spawned } from "../support/process.js";
import { ACS, metadataCertificate, opensslKeyPair, SP_ENTITY } from "../support/saml.js";

const DATABASE_URL = process.env.DATABASE_URL;
const SECRET = "saml-worker-e2e-secret-".padEnd(48, "k");
const PASSWORD = "a-long-and-Unusual-passphrase-42";
const USERNAME_ATTR = "http://schemas.goauthentik.io/2021/02/saml/username";

describe.skipIf(!DATABASE_URL)("SAML IdP in workerd (wrangler dev, Neon driver)", () => {
  let db: TestDatabase;
  let proxy: NeonWsProxy;
  let worker: Spawned;
  let stateDir: string;
  let base: string;
  let chrome: LaunchedBrowser;
  let page: Page;
  let sp: SAML;
  const posts: Record<string, string>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(DATABASE_URL!);
    const store = createPgStore(db.url);
    // The repositories and helpers below use only `store` (no keys, clock or cache).
    const deps = { store } as unknown as Deps;
    await seedAuthenticationFlow(deps);
    const passwords = createPasswordHasher({ argon2Module: await loadArgon2Module() });
    await store.users.create({ username: "erin", name: "Erin E", email: "erin@example.com", emailVerified: true, passwordHash: await passwords.hash(PASSWORD) });
    const { flow } = await seedFlow(deps, { slug: "saml-consent", designation: "authorization", authentication: "require_authenticated", stages: [{ type: "consent", config: { mode: "always_require" } }] });
    const keys = opensslKeyPair();
    const spCert = await importCertificate(deps, "worker SP", keys.cert);
    const provider = await createSamlProvider(deps, {
      name: "Worker SAML",
      authorizationFlowPk: flow.pk,
      settings: { acs_url: ACS, audience: SP_ENTITY, issuer: "threshold-worker", sp_binding: "post", verification_kp: spCert.pk, encryption_kp: spCert.pk, sign_response: true },
    });
    await store.oauth2.createApplication({ name: "Worker SAML", slug: "worker-saml", providerPk: provider.pk });
    await store.close();

    proxy = await startNeonWsProxy();
    const port = await freePort();
    stateDir = mkdtempSync(join(tmpdir(), "threshold-wrangler-saml-"));
    const vars = { THRESHOLD_ENVIRONMENT: "test", THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: db.url, THRESHOLD_NEON_WS_PROXY: `127.0.0.1:${proxy.port}` };
    const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(await freePort()), "--persist-to", stateDir, "--log-level", "warn"];
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
    worker = start("npx", args, cleanEnv());
    base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/-/health/ready/`, { proc: worker, timeoutMs: 120_000 });

    const metadata = await (await fetch(`${base}/application/saml/worker-saml/metadata/`)).text();
    sp = new SAML({
      callbackUrl: ACS,
      entryPoint: `${base}/application/saml/worker-saml/sso/binding/redirect/`,
      issuer: SP_ENTITY,
      audience: SP_ENTITY,
      idpIssuer: "threshold-worker",
      idpCert: metadataCertificate(metadata),
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      privateKey: keys.key,
      decryptionPvk: keys.key,
      signatureAlgorithm: "sha256",
    });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    await page.route("https://sp.example.com/**", async (route) => {
      if (route.request().method() === "POST") posts.push(Object.fromEntries(new URLSearchParams(route.request().postData() ?? "")));
      await route.fulfill({ status: 200, contentType: "text/html", body: "<p>sp</p>" });
    });
  }, 180_000);
  afterAll(async () => {
    await chrome?.close();
    await worker?.stop();
    await proxy?.close();
    await db?.drop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  it("publishes metadata with a certificate generated in the Worker", async () => {
    const res = await fetch(`${base}/application/saml/worker-saml/metadata/`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('entityID="threshold-worker"');
    expect(metadataCertificate(xml).length).toBeGreaterThan(500);
  });

  it("SP-initiated SSO (signed Redirect request) through login and consent; node-saml decrypts and validates", async () => {
    await page.goto(await sp.getAuthorizeUrlAsync("relay-w", undefined, {}));
    await page.fill('input[name="uid_field"]', "erin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await submit();
    await Promise.all([page.waitForURL(ACS), page.click('button[type="submit"]')]);
    const fields = posts.pop()!;
    expect(fields.RelayState).toBe("relay-w");
    expect(Buffer.from(fields.SAMLResponse!, "base64").toString()).toContain("EncryptedAssertion");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("erin@example.com"); // node-saml asks for emailAddress
    expect(profile![USERNAME_ATTR]).toBe("erin");
  });

  it("an unsigned request is a 400 page in the Worker, not a 500", async () => {
    const unsigned = new URL(await new SAML({ ...sp.options, privateKey: undefined }).getAuthorizeUrlAsync("", undefined, {}));
    const res = await fetch(unsigned, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/must be signed/);
  });
});
