/**
 * Issue 4 in a real browser: Debian's Chromium through Threshold's login and consent pages on
 * the Node host, with openid-client 6 over real HTTP as the relying party.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";
const REDIRECT = "https://rp.example.com/callback";

describe("OIDC code + PKCE through the flow pages in headless Chromium", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let dataDir: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-oauth2-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    const deps = server.deps;
    const admin = await deps.store.users.byUsername("akadmin");
    await deps.store.users.setPassword(admin!.pk, await deps.passwords.hash(PASSWORD), deps.clock.now());
    const flow = await deps.store.flows.bySlug("default-provider-authorization-explicit-consent");
    const created = await createOAuth2Provider(deps, {
      name: "Grafana",
      authorizationFlowPk: flow!.pk,
      settings: { redirect_uris: [{ matching_mode: "strict", url: REDIRECT }] },
    });
    await deps.store.oauth2.createApplication({ name: "Grafana", slug: "grafana", providerPk: created.provider.pk });
    config = await oidc.discovery(new URL(`${server.url}/application/o/grafana/`), created.clientId, created.clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    oidc.enableNonRepudiationChecks(config);
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    // The relying party's callback never leaves the machine.
    await page.route("https://rp.example.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<p>callback</p>" }));
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  it("logs in, consents, and the relying party gets validated tokens and userinfo", async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid email profile offline_access",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      nonce,
      state,
    });
    await page.goto(`${server.url}${url.pathname}${url.search}`);
    await page.fill('input[name="uid_field"]', "akadmin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await submit();
    expect(await page.textContent("body")).toMatch(/Grafana/);
    await Promise.all([page.waitForURL(/^https:\/\/rp\.example\.com\/callback/), page.click('button[type="submit"]')]);
    const callback = new URL(page.url());
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(tokens.claims()).toMatchObject({ aud: config.clientMetadata().client_id, nonce });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.preferred_username).toBe("akadmin");
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    // RP-initiated logout ends the browser's session (the redirect + state case is covered in-process).
    const sessionKey = (await chrome.context.cookies()).find((c) => c.name === "authentik_session")!.value;
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).not.toBeNull();
    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    // The Node host names itself `localhost` in URLs; the browser reaches it at server.url.
    await page.goto(`${server.url}${logout.pathname}${logout.search}`);
    expect(await page.textContent("body")).toMatch(/logged out/i);
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).toBeNull();
  });
});
