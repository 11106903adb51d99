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
    // Let the page we are on finish its own requests first: the user portal's API calls, if they
    // are answered after the logout, get 401 and send that page to the login flow, which aborts
    // this navigation (net::ERR_ABORTED, seen once in CI).
    await page.waitForLoadState("networkidle");
    await open("default-invalidation-flow");
    // The flow page goes on by itself (to "/", then the login page): wait until it has arrived, or
    // the next test's navigation races it ("interrupted by another navigation").
    await page.waitForURL((u) => u.pathname === "/if/flow/default-authentication-flow/", { timeout: 15_000, waitUntil: "load" });
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

  it("enrols a passkey with a virtual authenticator and logs in passwordless via autofill", async () => {
    const cdp = await chrome.context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    // Still logged in from the TOTP test: the setup page starts the ceremony by itself.
    await open("default-authenticator-webauthn-setup");
    await page.waitForURL((u) => !u.pathname.startsWith("/if/flow/default-authenticator-webauthn-setup"), { timeout: 15_000 });
    const admin = (await server.deps.store.users.byUsername("akadmin"))!;
    expect(await server.deps.store.webauthn.listByUser(admin.pk)).toHaveLength(1);
    await logout();

    // The identification page offers the passkey through the browser's autofill (conditional UI).
    // The virtual authenticator answers the conditional request as soon as the page asks.
    await open("default-authentication-flow");
    await page.waitForURL((u) => u.pathname === "/if/user/", { timeout: 15_000 });
    const last = await server.deps.store.events.list({ limit: 1, action: "login" });
    expect(last[0]?.context.auth_method).toBe("auth_webauthn_pwl");
    // Authenticator first: logging out lands on the login page, whose autofill request the
    // authenticator would answer, logging in again in the background while the next test navigates.
    await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    await logout();
  });

  it("logs in with a recovery code", async () => {
    // The passkey's authenticator is gone (removed above); forget its device so MFA asks for a code.
    const admin = (await server.deps.store.users.byUsername("akadmin"))!;
    for (const d of await server.deps.store.webauthn.listByUser(admin.pk)) await server.deps.store.webauthn.delete(d.pk, admin.pk);
    // …and the TOTP device too (as a user would in the portal), so only recovery codes remain.
    for (const d of await server.deps.store.devices.totpOf(admin.pk)) await server.deps.store.devices.deleteDevice("totp", d.pk, admin.pk);
    await identifyWithPassword();
    await open("default-authenticator-static-setup");
    const codes = (await page.locator(".codes li").allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(6);
    await submit();
    await logout();

    await identifyWithPassword();
    await page.fill('input[name="code"]', codes[0]!);
    await submit();
    expect(new URL(page.url()).pathname).toBe("/if/user/");
    await logout();
  });

  it("enrols a new user through an invitation", async () => {
    const flow = (await server.deps.store.flows.bySlug("default-invitation-enrollment-flow"))!;
    const invitation = await server.deps.store.enrollment.createInvitation({ name: "welcome-bob", flowPk: flow.pk, singleUse: true });
    await page.goto(`${server.url}/if/flow/default-invitation-enrollment-flow/?itoken=${invitation.pk}`);
    await page.fill('input[name="username"]', "bob");
    await page.fill('input[name="name"]', "Bob Example");
    await page.fill('input[name="email"]', "bob@example.com");
    await page.fill('input[name="password"]', "bobs-very-own-passphrase-7");
    await page.fill('input[name="password_repeat"]', "bobs-very-own-passphrase-7");
    await submit();
    const bob = await server.deps.store.users.byUsername("bob");
    expect(bob).toMatchObject({ name: "Bob Example", email: "bob@example.com", isActive: true });
    expect(new URL(page.url()).pathname).toBe("/if/user/");
    // single use: the same link no longer works
    await page.goto(`${server.url}/if/flow/default-invitation-enrollment-flow/?itoken=${invitation.pk}`);
    expect(await page.locator('input[name="username"]').count()).toBe(0);
  });

  it("a headless client does password + TOTP with fetch and the executor API alone", async () => {
    await server.deps.store.users.create({ username: "carol", email: "carol@example.com", passwordHash: await server.deps.passwords.hash("carols-passphrase-123") });
    const jar = new Map<string, string>();
    const call = async (slug: string, body?: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/api/v3/flows/executor/${slug}/?query=`, {
        method: body ? "POST" : "GET",
        headers: {
          "Content-Type": "application/json",
          Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
          "X-authentik-CSRF": jar.get("authentik_csrf") ?? "",
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair!.indexOf("=");
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      return (await res.json()) as Record<string, unknown>;
    };
    const login = async (code?: () => string) => {
      expect((await call("default-authentication-flow")).component).toBe("ak-stage-identification");
      expect((await call("default-authentication-flow", { component: "ak-stage-identification", uid_field: "carol" })).component).toBe("ak-stage-password");
      let r = await call("default-authentication-flow", { component: "ak-stage-password", password: "carols-passphrase-123" });
      if (code) {
        expect(r.component).toBe("ak-stage-authenticator-validate");
        r = await call("default-authentication-flow", { component: "ak-stage-authenticator-validate", code: code() });
      }
      expect(r).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    };
    await login();
    const setup = await call("default-authenticator-totp-setup");
    const secret = new URL(String(setup.config_url)).searchParams.get("secret")!;
    const done = await call("default-authenticator-totp-setup", { component: "ak-stage-authenticator-totp", code: generateSync({ secret }) });
    expect(done.component).toBe("xak-flow-redirect");
    await call("default-invalidation-flow");
    await login(() => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  });
});
