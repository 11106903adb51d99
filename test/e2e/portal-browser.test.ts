/**
 * The user portal (/if/user/) in headless Chromium on the Node host: launch tiles respect
 * application policies, a TOTP authenticator and a passkey (CDP virtual authenticator) are added
 * through the stage-configuration flows the portal links to and removed again, the password-change
 * link opens `default-password-change`, and revoking another session from the Sessions page logs
 * that session out.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { codeFor } from "../support/mfa.js";
import { HttpSession } from "../support/spa-session.js";

const PASSWORD = "carol-Has-a-long-passphrase-3";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/portal/", import.meta.url));

describe("user portal in headless Chromium", () => {
  let server: NodeServer;
  let dataDir: string;
  let chrome: LaunchedBrowser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "threshold-portal-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    base = server.url.replace("localhost", "127.0.0.1");
    const { deps } = server;
    await deps.store.users.create({ username: "carol", name: "Carol Portal", email: "carol@example.com", passwordHash: await deps.passwords.hash(PASSWORD) });
    const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    const apps: [string, string][] = [["Docs", "https://docs.example.com/cb"], ["Payroll", "https://payroll.example.com/cb"]];
    for (const [name, url] of apps) {
      const p = await createOAuth2Provider(deps, { name, authorizationFlowPk: flow!.pk, settings: { redirect_uris: [{ matching_mode: "strict", url }] } });
      const app = await deps.store.oauth2.createApplication({ name, slug: name.toLowerCase(), providerPk: p.provider.pk });
      if (name === "Payroll") {
        // Only the finance group may use Payroll: its tile must not show for carol.
        const finance = await deps.store.groups.create({ name: "Finance" });
        await deps.store.policies.bind({ targetPk: app.pk, groupPk: finance.pk, order: 0 });
      }
    }
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
  const nav = async (name: string) => {
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name }).click();
  };

  it("logs in from / and shows only the applications carol may use", async () => {
    await page.goto(`${base}/`);
    await page.fill('input[name="uid_field"]', "carol");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await submit();
    await page.waitForURL(`${base}/if/user/`);
    const tiles = page.getByTestId("app-tiles");
    await tiles.getByText("Docs").waitFor();
    expect(await tiles.getByText("Payroll").count()).toBe(0);
    expect(await tiles.locator("a.tile").first().getAttribute("href")).toBe("https://docs.example.com");
    await page.screenshot({ path: join(ARTIFACTS, "apps-390.png"), fullPage: true });
    // The admin interface is not for carol.
    await page.goto(`${base}/if/admin/`);
    expect(page.url()).toBe(`${base}/if/user/`);
  });

  it("adds a TOTP authenticator through the setup flow and removes it", async () => {
    await nav("MFA devices");
    await page.getByText("No devices yet.").waitFor();
    await page.getByRole("link", { name: "Add an authenticator app" }).click();
    await page.waitForURL(/\/if\/flow\/default-authenticator-totp-setup\//);
    const uri = await page.locator('input[name="config_url"]').getAttribute("value");
    await page.fill('input[name="code"]', await codeFor(uri!, new Date()));
    await submit();
    await page.waitForURL(`${base}/if/user/devices`);
    const rows = page.locator("table[aria-label=Devices] tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/Authenticator app \(TOTP\)/);
    await page.screenshot({ path: join(ARTIFACTS, "devices-390.png"), fullPage: true });
    page.once("dialog", (d) => void d.accept());
    await rows.first().getByRole("button", { name: "Remove" }).click();
    await page.getByText("No devices yet.").waitFor();
  });

  it("adds a passkey through the WebAuthn setup flow and removes it", async () => {
    // WebAuthn needs a domain as relying party ID (not an IP): this part runs on localhost.
    const cdp = await chrome.context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    try {
      await page.goto(`${server.url}/if/user/devices`);
      await page.fill('input[name="uid_field"]', "carol");
      await submit();
      await page.fill('input[name="password"]', PASSWORD);
      await submit();
      await page.waitForURL(`${server.url}/if/user/devices`);
      await page.getByText("No devices yet.").waitFor();
      await page.getByRole("link", { name: "Add a passkey" }).click();
      // The setup page starts the ceremony by itself and returns to ?next= when done.
      await page.waitForURL(`${server.url}/if/user/devices`, { timeout: 15_000 });
      const rows = page.locator("table[aria-label=Devices] tbody tr");
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().textContent()).toMatch(/Passkey \/ security key/);
      page.once("dialog", (d) => void d.accept());
      await rows.first().getByRole("button", { name: "Remove" }).click();
      await page.getByText("No devices yet.").waitFor();
      const carol = (await server.deps.store.users.byUsername("carol"))!;
      expect(await server.deps.store.webauthn.listByUser(carol.pk)).toHaveLength(0);
    } finally {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
      await page.goto(`${base}/if/user/`);
    }
  });

  it("links the password change to the default-password-change flow", async () => {
    await nav("Profile & password");
    await page.getByRole("link", { name: "Change password" }).click();
    await page.waitForURL(/\/if\/flow\/default-password-change\/\?next=/);
    expect(new URL(page.url()).searchParams.get("next")).toBe("/if/user/profile");
    await page.goBack();
  });

  it("revokes another session, which is then logged out", async () => {
    const laptop = new HttpSession(base);
    await laptop.login("carol", PASSWORD);
    expect((await laptop.fetch("/api/v3/core/users/me/")).status).toBe(200);

    await page.goto(`${base}/if/user/sessions`);
    // carol's sessions: this browser on 127.0.0.1, the passkey test's on localhost, the laptop.
    const rows = page.locator("table[aria-label=Sessions] tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    await page.screenshot({ path: join(ARTIFACTS, "sessions-390.png"), fullPage: true });
    const session = await server.deps.store.sessions.byKeyHash(await sha256Hex(laptop.jar.get("authentik_session")!));
    await page.locator(`tr[data-session="${session!.uuid}"]`).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => rows.count()).toBe(2);

    expect((await laptop.fetch("/api/v3/core/users/me/")).status).toBe(401);
    const portal = await laptop.fetch("/if/user/");
    expect(portal.status).toBe(302);
    expect(portal.headers.get("location")).toMatch(/^\/if\/flow\/default-authentication-flow\/\?next=/);
    // This browser's own session still works.
    await page.reload();
    await page.getByText("this session").waitFor();
  });
});
