/**
 * authentik's redirect URI kinds (`redirect_uri_type`): authorization URIs for the authorization
 * endpoint, logout URIs for end-session's `post_logout_redirect_uri`; a provider without logout
 * URIs keeps accepting its authorization URIs after logout. Dynamic registration's
 * `post_logout_redirect_uris` become logout URIs.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestDeps } from "../support/app-deps.js";
import { seedFlow } from "../support/flows.js";
import { authorizeCode, discover, login, ORIGIN, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const BYE = "https://app.example.com/bye";

describe("redirect URI kinds: authorization and logout", () => {
  let env: OAuth2Env; // authorization REDIRECT; logout BYE (strict) and *.example.com/logged-out (regex)
  let legacy: OAuth2Env; // authorization URIs only
  let config: oidc.Configuration;
  const INITIAL = "initial-access-token-kinds-0123456789";

  beforeAll(async () => {
    const deps = await makeTestDeps({ THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION: "true", THRESHOLD_OAUTH2__REGISTRATION_TOKEN: INITIAL });
    await seedFlow(deps, { slug: "default-provider-authorization-explicit-consent", designation: "authorization", authentication: "require_authenticated", stages: [] });
    env = await setupOAuth2({
      deps,
      settings: {
        redirect_uris: [
          { matching_mode: "strict", url: REDIRECT },
          { matching_mode: "strict", url: BYE, redirect_uri_type: "logout" },
          { matching_mode: "regex", url: "https://[a-z]+\\.example\\.com/logged-out", redirect_uri_type: "logout" },
        ],
      },
    });
    legacy = await setupOAuth2({ deps });
    config = await discover(env);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  /** Logs in, gets an ID token for `e`, and asks end-session to return to `target`. */
  async function endSession(e: OAuth2Env, target: string): Promise<Response> {
    const c = e === env ? config : await discover(e);
    const browser = e.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(e, c, browser, "openid");
    const t = await oidc.authorizationCodeGrant(c, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    const url = oidc.buildEndSessionUrl(c, { id_token_hint: t.id_token!, post_logout_redirect_uri: target, state: "s1" });
    return browser.request(url.pathname + url.search);
  }

  it("end-session returns only to logout URIs (strict and regex) when the provider has them", async () => {
    const strict = await endSession(env, BYE);
    expect(strict.status).toBe(302);
    expect(strict.headers.get("location")).toBe(`${BYE}?state=s1`);
    const regex = await endSession(env, "https://shop.example.com/logged-out");
    expect(regex.status).toBe(302);
    // An authorization URI is not a logout URI here, and look-alikes fail: an error page, no redirect.
    for (const target of [REDIRECT, "https://evil.com/logged-out", "https://shop.example.com/logged-out/x", `${BYE}/../x`]) {
      const res = await endSession(env, target);
      expect(res.status, target).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
  });

  it("the authorization endpoint refuses a logout URI as redirect_uri (error page, never a redirect)", async () => {
    const browser = env.browser();
    await login(browser);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: BYE, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: "S256", state: "x" });
    const res = await browser.request(url.pathname + url.search);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toMatch(/redirect URI/i);
  });

  it("a provider without logout URIs returns to its authorization URIs, as before", async () => {
    const res = await endSession(legacy, REDIRECT);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${REDIRECT}?state=s1`);
  });

  it("dynamic registration stores post_logout_redirect_uris as logout URIs and checks them like redirect_uris", async () => {
    const registered = await env.fetch(`${ORIGIN}/application/o/register/`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${INITIAL}` },
      body: JSON.stringify({ redirect_uris: ["https://dcr.example.com/cb"], post_logout_redirect_uris: ["https://dcr.example.com/bye"], token_endpoint_auth_method: "none" }),
    });
    expect(registered.status).toBe(201);
    const body = (await registered.json()) as { client_id: string; post_logout_redirect_uris?: string[] };
    const record = await env.deps.store.oauth2.providerByClientId(body.client_id);
    expect(record!.settings.redirect_uris).toEqual([
      { matching_mode: "strict", url: "https://dcr.example.com/cb", redirect_uri_type: "authorization" },
      { matching_mode: "strict", url: "https://dcr.example.com/bye", redirect_uri_type: "logout" },
    ]);
    const bad = await env.fetch(`${ORIGIN}/application/o/register/`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${INITIAL}` },
      body: JSON.stringify({ redirect_uris: ["https://dcr.example.com/cb"], post_logout_redirect_uris: ["javascript:alert(1)"] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_redirect_uri" });
  });
});
