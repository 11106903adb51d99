/**
 * PAR (RFC 9126) + DPoP (RFC 9449) end to end with oauth4webapi (panva's certified client
 * library) over real HTTP against the Node host, Chromium logging in through the flow pages:
 * pushed request → authorize with request_uri → DPoP-bound code redemption → DPoP userinfo →
 * DPoP-bound refresh rotation. A bound token presented as a bearer token is refused.
 */
import * as oauth from "oauth4webapi";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { startTestNodeHost, type TestNodeHost } from "../support/node-host.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";
const REDIRECT = "https://spa.example.com/callback";
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe("PAR + DPoP with oauth4webapi", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let host: TestNodeHost;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;

  beforeAll(async () => {
    host = await startTestNodeHost("par-dpop", { adminPassword: PASSWORD });
    server = host.server;
    const deps = server.deps;
    const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    // A single-page app: public client, PAR required, DPoP required.
    const created = await createOAuth2Provider(deps, {
      name: "SPA",
      authorizationFlowPk: flow!.pk,
      settings: {
        client_type: "public",
        redirect_uris: [{ matching_mode: "strict", url: REDIRECT }],
        require_pushed_authorization_requests: true,
        dpop_bound_access_tokens: true,
      },
    });
    await deps.store.oauth2.createApplication({ name: "SPA", slug: "spa", providerPk: created.provider.pk });
    const issuer = new URL(`${server.url}/application/o/spa/`);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: "oidc" }));
    client = { client_id: created.clientId };
    chrome = await launchChromium();
    page = await chrome.context.newPage();
  });
  afterAll(async () => {
    await chrome?.close();
    await host?.close();
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  it("publishes PAR and DPoP metadata", () => {
    expect(as.pushed_authorization_request_endpoint).toBe(`${server.url}/application/o/par/`);
    expect(as.require_pushed_authorization_requests).toBe(true);
    expect(as.dpop_signing_alg_values_supported).toContain("ES256");
  });

  it("runs the code flow through PAR with DPoP-bound tokens; bearer use of a bound token is rejected", async () => {
    const keys = await oauth.generateKeyPair("ES256");
    const dpop = oauth.DPoP(client, keys);
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const params = new URLSearchParams({
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid profile offline_access",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      nonce,
    });
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, oauth.None(), params, { DPoP: dpop, ...insecure }),
    );
    expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(pushed.expires_in).toBeGreaterThan(0);

    // The authorization request carries only client_id and request_uri.
    const authorize = new URL(as.authorization_endpoint!);
    authorize.searchParams.set("client_id", client.client_id);
    authorize.searchParams.set("request_uri", pushed.request_uri);
    await page.goto(authorize.href);
    await page.fill('input[name="uid_field"]', "akadmin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    // The flow ends in a redirect chain to the client (303 → authorize → 302), which Chromium
    // follows without consulting page routes: take the callback URL from the request itself.
    const [request] = await Promise.all([page.waitForRequest(/^https:\/\/spa\.example\.com\/callback/), page.click('button[type="submit"]')]);
    const callback = oauth.validateAuthResponse(as, client, new URL(request.url()), oauth.expectNoState);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, verifier, { DPoP: dpop, ...insecure }),
      { expectedNonce: nonce },
    );
    expect(tokens.token_type).toBe("dpop");
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    const info = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, { DPoP: dpop, ...insecure }));
    expect(info.preferred_username).toBe("akadmin");

    // The same token without its proof, as a bearer token: 401 with a DPoP challenge.
    const bearer = await fetch(as.userinfo_endpoint!, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
    expect(await bearer.json()).toMatchObject({ error: "invalid_token" });
    // The DPoP scheme without a proof: invalid_dpop_proof.
    const noProof = await fetch(as.userinfo_endpoint!, { headers: { Authorization: `DPoP ${tokens.access_token}` } });
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);
    // A proof from another key does not fit the token.
    const other = oauth.DPoP(client, await oauth.generateKeyPair("ES256"));
    const stolen = await oauth.userInfoRequest(as, client, tokens.access_token, { DPoP: other, ...insecure });
    expect(stolen.status).toBe(401);

    // The public client's refresh token is bound too: rotation needs the same key.
    await expect(
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { DPoP: other, ...insecure })),
    ).rejects.toMatchObject({ error: "invalid_grant" });
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { DPoP: dpop, ...insecure }),
    );
    expect(refreshed.token_type).toBe("dpop");
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    // request_uri is single use.
    await page.goto(authorize.href);
    expect(await page.textContent("body")).toMatch(/invalid_request_uri/);
  });

  it("refuses a plain authorization request when the client requires PAR, and a push with an unregistered redirect_uri", async () => {
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: "code", scope: "openid", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256", state: "s" }).toString();
    const res = await fetch(authorize, { redirect: "manual" });
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    const pushed = await oauth.pushedAuthorizationRequest(as, client, oauth.None(), new URLSearchParams({ redirect_uri: "https://evil.example/cb", response_type: "code" }), insecure);
    expect(pushed.status).toBe(400);
    expect(await pushed.json()).toMatchObject({ error: "invalid_request" });
  });
});
