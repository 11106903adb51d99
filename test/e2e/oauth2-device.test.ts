/**
 * Device authorization grant (RFC 8628) end to end: openid-client 6 starts the grant and polls
 * the token endpoint over real HTTP while Debian's Chromium opens `verification_uri_complete`,
 * logs in through the flow pages, confirms the code at `/device` and consents.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";

describe("device authorization grant: openid-client polls while Chromium enters the code", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let dataDir: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-device-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    const deps = server.deps;
    const admin = await deps.store.users.byUsername("akadmin");
    await deps.store.users.setPassword(admin!.pk, await deps.passwords.hash(PASSWORD), deps.clock.now());
    const flow = await deps.store.flows.bySlug("default-provider-authorization-explicit-consent");
    // A TV app: a public client (no secret on the device).
    const created = await createOAuth2Provider(deps, { name: "TV", authorizationFlowPk: flow!.pk, settings: { client_type: "public" } });
    await deps.store.oauth2.createApplication({ name: "Living Room TV", slug: "tv", providerPk: created.provider.pk });
    config = await oidc.discovery(new URL(`${server.url}/application/o/tv/`), created.clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  it("issues tokens to the device after the user confirms the code in the browser", async () => {
    expect(config.serverMetadata().device_authorization_endpoint).toBe(`${server.url}/application/o/device/`);
    const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile offline_access" });
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe(`${server.url}/device`);
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);

    await page.goto(started.verification_uri_complete!);
    // Not logged in: the brand's authentication flow first, then back to /device with the code.
    await page.fill('input[name="uid_field"]', "akadmin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await submit();
    expect(new URL(page.url()).pathname).toBe("/device");
    expect(await page.inputValue('input[name="code"]')).toBe(started.user_code);
    await submit();
    // The provider's authorization flow: explicit consent names the application.
    expect(await page.textContent("body")).toMatch(/Living Room TV/);
    await submit();
    expect(new URL(page.url()).pathname).toBe("/device/complete");

    const tokens = await polling;
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.refresh_token).toBeTruthy();
    const claims = tokens.claims()!;
    expect(claims.aud).toBe(config.clientMetadata().client_id);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.preferred_username).toBe("akadmin");
    // The device code is spent: a second poll is refused.
    await expect(oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 })).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("a wrong code is refused on the page and the device keeps waiting", async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
    await page.goto(`${server.url}/device`);
    await page.fill('input[name="code"]', "BBBB-BBBB");
    await submit();
    expect(await page.textContent(".alert")).toMatch(/invalid or has expired/);
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);
    // Entering the right code then finishes the grant.
    await page.fill('input[name="code"]', started.user_code.toLowerCase());
    await submit();
    await submit();
    expect(new URL(page.url()).pathname).toBe("/device/complete");
    await expect(polling).resolves.toMatchObject({ token_type: "bearer" });
  });
});
