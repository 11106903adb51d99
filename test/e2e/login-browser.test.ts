/**
 * Issue 3 acceptance in a real browser: Debian's Chromium driven by playwright-core against the
 * Node host (in-process, real HTTP, embedded PGlite), through the server-rendered flow pages.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSync } from "otplib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";

describe("login journeys in headless Chromium", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-browser-"));
    const config = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(config, { hostname: "127.0.0.1" });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (slug: string) => page.goto(`${server.url}/if/flow/${slug}/`);
  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  async function logout() {
    await open("default-invalidation-flow");
    expect((await chrome.context.cookies()).find((c) => c.name === "authentik_session" && c.value)).toBeDefined();
  }

  async function identifyWithPassword() {
    await open("default-authentication-flow");
    await page.fill('input[name="uid_field"]', "akadmin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await submit();
  }

  it("initial setup sets akadmin's password, then is closed", async () => {
    await open("initial-setup");
    await page.fill('input[name="email"]', "admin@example.com");
    await page.fill('input[name="password"]', PASSWORD);
    await page.fill('input[name="password_repeat"]', PASSWORD);
    await submit();
    const admin = await server.deps.store.users.byUsername("akadmin");
    expect(admin?.email).toBe("admin@example.com");
    expect((await server.deps.passwords.verify(PASSWORD, admin!.passwordHash!)).valid).toBe(true);
    await page.screenshot({ path: "test-results/initial-setup-done.png" });
    await logout();
    await open("initial-setup");
    expect(await page.textContent("body")).toMatch(/does not apply|denied|not allowed/i);
    expect(await page.locator("form").count()).toBe(0);
  });

  it("logs in with the password", async () => {
    await identifyWithPassword();
    expect(new URL(page.url()).pathname).toBe("/if/user/");
    const sessions = await server.deps.store.users.byUsername("akadmin");
    expect(sessions?.lastLogin).toBeInstanceOf(Date);
  });

  let totpSecret = "";
  it("enrols TOTP from the QR page, logs out, and logs in with password + TOTP", async () => {
    await open("default-authenticator-totp-setup");
    await expect(page.locator(".qr svg")).toBeDefined();
    totpSecret = (await page.textContent("#totp-secret"))!.trim();
    expect(totpSecret).toMatch(/^[A-Z2-7]+=*$/);
    await page.screenshot({ path: "test-results/totp-setup.png" });
    await page.fill('input[name="code"]', generateSync({ secret: totpSecret }));
    await submit();
    await logout();

    await identifyWithPassword();
    await page.fill('input[name="code"]', generateSync({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await submit();
    expect(new URL(page.url()).pathname).toBe("/if/user/");
  });
});
