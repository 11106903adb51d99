/**
 * Issue 7 in a real browser (Debian Chromium via playwright-core) against the Node host: an admin
 * creates a group, a user and an OIDC application in the admin SPA and binds the group to the
 * application; the member logs in to it through openid-client while a non-member is denied; the
 * member's portal shows the application and revokes another session, which is then logged out.
 * Screenshots of the dashboard, a provider form and a flow diagram at 1280 and 390 px wide go to
 * test-artifacts/admin/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { generateServiceProviderMetadata } from "@node-saml/node-saml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { HttpSession } from "../support/spa-session.js";

const ADMIN_PASSWORD = "a-long-and-Unusual-passphrase-42";
const ALICE_PASSWORD = "alice-Has-a-long-passphrase-7";
const BOB_PASSWORD = "bob-Has-another-passphrase-9";
const REDIRECT = "https://wiki.example.com/oauth/callback";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/admin/", import.meta.url));
const WIDTHS = [1280, 390] as const;

/** Whole page at each width; a dialog scrolls inside its fixed backdrop, so the viewport grows to fit it. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    const base = width > 500 ? 860 : 844;
    await page.setViewportSize({ width, height: base });
    // Resizing across the phone breakpoint slides the navigation drawer away: let it finish.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    const dialog = await page.evaluate(() => document.querySelector(".modal-backdrop")?.scrollHeight ?? 0);
    if (dialog > base) await page.setViewportSize({ width, height: dialog });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: dialog === 0 });
  }
  await page.setViewportSize({ width: 1280, height: 860 });
}

/** The flow pages: identification, then password (the default authentication flow). */
async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('input[name="uid_field"]', username);
  await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
}

async function optionValue(page: Page, select: string, text: string): Promise<string> {
  const value = await page.locator(`${select} option`, { hasText: text }).first().getAttribute("value");
  if (!value) throw new Error(`no option "${text}" in ${select}`);
  return value;
}

describe("admin SPA and user portal in headless Chromium", () => {
  let server: NodeServer;
  let dataDir: string;
  let admin: LaunchedBrowser;
  let page: Page;
  let base: string;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "threshold-admin-ui-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    base = server.url.replace("localhost", "127.0.0.1");
    const { deps } = server;
    const akadmin = await deps.store.users.byUsername("akadmin");
    await deps.store.users.setPassword(akadmin!.pk, await deps.passwords.hash(ADMIN_PASSWORD), deps.clock.now());
    await deps.store.users.create({ username: "bob", name: "Bob Outsider", passwordHash: await deps.passwords.hash(BOB_PASSWORD) });
    admin = await launchChromium();
    page = await admin.context.newPage();
    await page.setViewportSize({ width: 1280, height: 860 });
  });
  afterAll(async () => {
    await admin?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sends the admin through the login flow back to the dashboard", async () => {
    await page.goto(`${base}/if/admin/`);
    expect(new URL(page.url()).pathname).toBe("/if/flow/default-authentication-flow/");
    // A mistyped password first: the chart shows one failed login and one login.
    await logIn(page, "akadmin", "not-the-password");
    await page.getByText(/invalid|incorrect|failed/i).first().waitFor();
    await page.fill('input[name="password"]', ADMIN_PASSWORD);
    await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
    await page.waitForURL(`${base}/if/admin/`);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByTestId("whoami").getByText("akadmin").waitFor();
    await page.locator(".chart svg").waitFor();
    await page.locator(".legend").getByText("Logins: 1", { exact: true }).waitFor();
    await page.locator(".legend").getByText("Failed logins: 1", { exact: true }).waitFor();
    await shoot(page, "dashboard");

    // The audit log filters by action: the failed attempt, by akadmin.
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.selectOption("select[aria-label=Action]", "login_failed");
    const rows = page.locator("table[aria-label=Events] tbody tr");
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringMatching(/^login_failed\s*akadmin/)]);
  });

  it("creates a group and a member user", async () => {
    await page.getByRole("link", { name: "Groups" }).click();
    await page.getByRole("button", { name: "Create group" }).click();
    await page.fill("#f-name", "Engineering");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "Engineering" }).waitFor();

    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "Create user" }).click();
    await page.fill("#f-username", "alice");
    await page.fill("#f-name", "Alice Member");
    await page.fill("#f-email", "alice@example.com");
    await page.selectOption("#f-groups", { label: "Engineering" });
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "alice" }).waitFor();
    await page.getByRole("button", { name: "Set password" }).click();
    await page.fill("#f-password", ALICE_PASSWORD);
    await page.getByRole("button", { name: "Set password" }).last().click();
    await page.getByText("Password updated.").waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("tab", { name: "Groups" }).click();
    await page.getByRole("link", { name: "Engineering" }).waitFor();
  });

  it("creates an OIDC provider (secret shown once) and an application bound to the group", async () => {
    await page.getByRole("link", { name: "Providers" }).click();
    await page.getByRole("button", { name: "Create provider" }).click();
    await page.getByRole("button", { name: /OAuth2 \/ OpenID Connect/ }).click();
    await page.getByTestId("provider-form-oauth2").waitFor();
    await page.fill("#f-name", "Wiki OIDC");
    await page.selectOption("#f-authorization_flow", await optionValue(page, "#f-authorization_flow", "implicit-consent"));
    await page.fill("#f-redirect_uris_text", REDIRECT);
    await page.fill("#f-allowed_resources", "https://api.wiki.example.com/\n  https://search.wiki.example.com/v1  \n");
    await shoot(page, "provider-form");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    const secret = (await page.getByTestId("secret-value").textContent())!.trim();
    const id = (await page.getByTestId("client-id").textContent())!.trim();
    expect(secret).toMatch(/^[A-Za-z0-9]{64,}$/);
    expect(id).toMatch(/^[A-Za-z0-9]{20,}$/);
    client = { id, secret };
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("heading", { name: "Wiki OIDC" }).waitFor();
    // Shown once: the provider page never shows it again.
    expect(await page.content()).not.toContain(secret);
    const stored = await page.evaluate(async () => (await (await fetch("/api/v3/providers/oauth2/?search=Wiki")).json()) as { results: { name: string; allowed_resources: string[] }[] });
    expect(stored.results.find((r) => r.name === "Wiki OIDC")?.allowed_resources).toEqual(["https://api.wiki.example.com/", "https://search.wiki.example.com/v1"]);

    await page.getByRole("link", { name: "Applications" }).first().click();
    await page.getByRole("button", { name: "Create application" }).click();
    await page.fill("#f-name", "Wiki");
    await page.fill("#f-slug", "wiki");
    await page.selectOption("#f-provider", { label: "Wiki OIDC (OAuth2/OpenID Provider)" });
    await page.fill("#f-meta_launch_url", "https://wiki.example.com/");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "Wiki" }).waitFor();

    await page.getByRole("button", { name: "Bind policy / group / user" }).click();
    await page.selectOption("#f-group", { label: "Engineering" });
    await page.getByRole("button", { name: "Bind", exact: true }).click();
    await page.getByTestId("policy-bindings").getByText("Group: Engineering").waitFor();
  });

  it("creates a SAML provider from the SP's metadata (pasted), with the ACS and audience read from it", async () => {
    const metadata = generateServiceProviderMetadata({
      issuer: "https://nextcloud.example.com/apps/user_saml/saml/metadata",
      callbackUrl: "https://nextcloud.example.com/apps/user_saml/saml/acs",
      logoutCallbackUrl: "https://nextcloud.example.com/apps/user_saml/saml/sls",
      identifierFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    });
    await page.getByRole("link", { name: "Providers" }).click();
    await page.getByRole("button", { name: "Create provider" }).click();
    await page.getByRole("button", { name: /SAML 2.0 from SP metadata/ }).click();
    await page.getByTestId("provider-form-saml-metadata").waitFor();
    await page.fill("#f-name", "Nextcloud SAML");
    await page.fill("#f-metadata", metadata);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.getByRole("heading", { name: "Nextcloud SAML" }).waitFor();
    // What the import stored, through the admin API with the browser's session.
    const listed = await page.evaluate(async () => (await (await fetch("/api/v3/providers/saml/?search=Nextcloud")).json()) as { results: Record<string, unknown>[] });
    expect(listed.results).toEqual([
      expect.objectContaining({
        name: "Nextcloud SAML",
        acs_url: "https://nextcloud.example.com/apps/user_saml/saml/acs",
        audience: "https://nextcloud.example.com/apps/user_saml/saml/metadata",
        sls_url: "https://nextcloud.example.com/apps/user_saml/saml/sls",
        default_name_id_policy: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
      }),
    ]);
  });

  it("reorders the authentication flow's stage bindings and draws its diagram", async () => {
    await page.goto(`${base}/if/admin/flows/default-authentication-flow`);
    const names = () => page.locator("ol[aria-label='Stage bindings'] li .name strong").allTextContents();
    await expect.poll(names).toEqual(["default-authentication-identification", "default-authentication-password", "default-authentication-mfa-validation", "default-authentication-login"]);
    // The list is re-read from the API after each move, so it shows the stored order.
    await page.getByRole("button", { name: "Move default-authentication-password down" }).click();
    await expect.poll(names).toEqual(["default-authentication-identification", "default-authentication-mfa-validation", "default-authentication-password", "default-authentication-login"]);
    // and back, since the logins below go through this flow
    await page.getByRole("button", { name: "Move default-authentication-password up" }).click();
    await expect.poll(names).toEqual(["default-authentication-identification", "default-authentication-password", "default-authentication-mfa-validation", "default-authentication-login"]);

    await page.getByRole("tab", { name: "Diagram" }).click();
    const diagram = page.getByTestId("flow-diagram");
    await diagram.waitFor();
    expect(await diagram.locator("[data-stage-index]").count()).toBeGreaterThanOrEqual(3);
    await shoot(page, "flow-diagram");
  });

  it("lets the member into the application through openid-client and denies the non-member", async () => {
    const config = await oidc.discovery(new URL(`${base}/application/o/wiki/`), client.id, client.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const user = await launchChromium();
    try {
      const p = await user.context.newPage();
      await p.route("https://wiki.example.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<p>wiki</p>" }));
      const attempt = async (username: string, password: string) => {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid profile email", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state });
        await p.goto(`${base}${url.pathname}${url.search}`);
        await logIn(p, username, password);
        await p.waitForURL(/^https:\/\/wiki\.example\.com\/oauth\/callback/);
        return oidc.authorizationCodeGrant(config, new URL(p.url()), { pkceCodeVerifier: verifier, expectedState: state });
      };
      const tokens = await attempt("alice", ALICE_PASSWORD);
      expect(tokens.claims()).toMatchObject({ preferred_username: "alice", email: "alice@example.com" });
      await user.context.clearCookies();
      await expect(attempt("bob", BOB_PASSWORD)).rejects.toMatchObject({ error: "access_denied" });
    } finally {
      await user.close();
    }
  });

  it("shows the member's portal with the application, and revoking a session logs it out", async () => {
    const other = new HttpSession(base);
    await other.login("alice", ALICE_PASSWORD);
    expect((await other.fetch("/if/user/")).status).toBe(200);

    const user = await launchChromium();
    try {
      const p = await user.context.newPage();
      await p.setViewportSize({ width: 390, height: 844 });
      await p.goto(`${base}/`);
      await logIn(p, "alice", ALICE_PASSWORD);
      await p.waitForURL(`${base}/if/user/`);
      await p.getByTestId("app-tiles").getByText("Wiki").waitFor();
      await p.screenshot({ path: join(ARTIFACTS, "portal-390.png"), fullPage: true });

      await p.getByRole("button", { name: "Menu" }).click();
      await p.getByRole("link", { name: "Sessions" }).click();
      // alice also has the session of the OIDC login above; revoke the other client's.
      const session = await server.deps.store.sessions.byKeyHash(await sha256Hex(other.jar.get("authentik_session")!));
      const row = p.locator(`tr[data-session="${session!.uuid}"]`);
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.waitFor({ state: "detached" });

      const after = await other.fetch("/if/user/");
      expect(after.status).toBe(302);
      expect(after.headers.get("location")).toMatch(/^\/if\/flow\/default-authentication-flow\//);
      expect((await other.fetch("/api/v3/core/users/me/")).status).toBe(401);
      // The browser's own session is untouched.
      await p.reload();
      await p.getByRole("heading", { name: "Sessions" }).waitFor();
    } finally {
      await user.close();
    }
  });
});
