/**
 * Issue 4 in a real browser: Debian's Chromium through Threshold's login and consent pages on
 * the Node host, with openid-client 6 over real HTTP as the relying party.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

describe("OIDC code + PKCE through the flow pages in headless Chromium", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let dataDir: string;
  let config: oidc.Configuration;
  // The relying party's callback: a local page (redirects to it are real navigations).
  let rp: Server;
  let REDIRECT = "";
  const atCallback = (url: URL) => url.href.startsWith(REDIRECT);

  beforeAll(async () => {
    rp = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<p>callback</p>"));
    await new Promise<void>((resolve) => rp.listen(0, "127.0.0.1", resolve));
    REDIRECT = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/callback`;
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
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    rp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  it("logs in and consents; tokens validate, userinfo, rotation + reuse detection, introspection, revocation, client_credentials, end-session with state, prompt=none → login_required", async () => {
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
    await Promise.all([page.waitForURL(atCallback), page.click('button[type="submit"]')]);
    const callback = new URL(page.url());
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(tokens.claims()).toMatchObject({ aud: config.clientMetadata().client_id, nonce });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.preferred_username).toBe("akadmin");
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    // Introspection (RFC 7662) and revocation (RFC 7009) as openid-client speaks them.
    const live = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(live).toMatchObject({ active: true, client_id: config.clientMetadata().client_id, sub: tokens.claims()!.sub });
    await oidc.tokenRevocation(config, refreshed.access_token);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);

    // Reusing the rotated refresh token → invalid_grant, and the whole family is revoked.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

    // client_credentials for the same confidential client.
    const service = await oidc.clientCredentialsGrant(config, { scope: "openid" });
    expect((await oidc.tokenIntrospection(config, service.access_token)).active).toBe(true);

    // RP-initiated logout with a registered post_logout_redirect_uri and state ends the browser's session.
    const sessionKey = (await chrome.context.cookies()).find((c) => c.name === "authentik_session")!.value;
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).not.toBeNull();
    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: REDIRECT, state: "bye" });
    // The Node host names itself `localhost` in URLs; the browser reaches it at server.url.
    await Promise.all([page.waitForURL(atCallback), page.goto(`${server.url}${logout.pathname}${logout.search}`)]);
    expect(new URL(page.url()).searchParams.get("state")).toBe("bye");
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).toBeNull();

    // prompt=none after logout: back to the client with login_required, no login page.
    const silent = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid",
      prompt: "none",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      state: "silent",
    });
    await Promise.all([page.waitForURL(atCallback), page.goto(`${server.url}${silent.pathname}${silent.search}`)]);
    const back = new URL(page.url()).searchParams;
    expect([back.get("error"), back.get("state")]).toEqual(["login_required", "silent"]);
  });
});
