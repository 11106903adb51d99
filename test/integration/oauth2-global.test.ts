/**
 * Global issuer mode (authentik `issuer_mode: global`) with openid-client 6, whose discovery
 * insists that the metadata's issuer equals the URL it was asked for: discovery at
 * `/.well-known/openid-configuration`, code + PKCE with ID-token signature checks against the
 * install-wide JWKS, the install-wide end-session; and WebFinger issuer discovery (RFC 7033).
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeCode, login, ORIGIN, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { createApp } from "../../src/app.js";

describe("global issuer mode and WebFinger", () => {
  let env: OAuth2Env;
  let config: oidc.Configuration;

  beforeAll(async () => {
    env = await setupOAuth2({ settings: { issuer_mode: "global" } });
    await setupOAuth2({ deps: env.deps }); // a per-provider client next to it
    config = await oidc.discovery(new URL(`${ORIGIN}/`), env.clientId, env.clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: env.fetch as never,
    });
    config[oidc.customFetch] = env.fetch as never;
    oidc.enableNonRepudiationChecks(config);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("serves discovery for the issuer <origin>/ with install-wide JWKS and end-session", async () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${ORIGIN}/`);
    expect(meta.authorization_endpoint).toBe(`${ORIGIN}/application/o/authorize/`);
    expect(meta.jwks_uri).toBe(`${ORIGIN}/application/o/jwks/`);
    expect(meta.end_session_endpoint).toBe(`${ORIGIN}/application/o/end-session/`);
    const alias = await env.fetch(`${ORIGIN}/application/o/.well-known/openid-configuration`, {});
    expect(await alias.json()).toEqual(JSON.parse(JSON.stringify(meta)));
    const rfc8414 = await env.fetch(`${ORIGIN}/.well-known/oauth-authorization-server`, {});
    expect((await rfc8414.json()).issuer).toBe(`${ORIGIN}/`);
  });

  it("runs code + PKCE; the ID token (iss <origin>/) verifies via the global JWKS; global end-session redirects", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser, "openid profile");
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(tokens.claims()).toMatchObject({ iss: `${ORIGIN}/`, aud: env.clientId });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.preferred_username).toBe("alice");

    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: REDIRECT, state: "s1" });
    const res = await browser.request(logout.pathname + logout.search);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${REDIRECT}?state=s1`);
    // A forged hint or a client that is not in global mode cannot use it.
    const bad = await browser.request(`/application/o/end-session/?${new URLSearchParams({ id_token_hint: "x.y.z", post_logout_redirect_uri: REDIRECT })}`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("location")).toBeNull();
  });

  it("WebFinger names the global issuer; a request without resource is a 400", async () => {
    const q = new URLSearchParams({ resource: "acct:alice@localhost", rel: "http://openid.net/specs/connect/1.0/issuer" });
    const res = await env.fetch(`${ORIGIN}/.well-known/webfinger?${q}`, {});
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jrd+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({ subject: "acct:alice@localhost", links: [{ rel: "http://openid.net/specs/connect/1.0/issuer", href: `${ORIGIN}/` }] });
    const missing = await env.fetch(`${ORIGIN}/.well-known/webfinger`, {});
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toBe("invalid_request");
  });

  it("without global-mode providers: discovery 404 (OAuth JSON), WebFinger {} as authentik", async () => {
    const deps: TestDeps = await makeTestDeps();
    const app = createApp();
    try {
      const disc = await app.request(`${ORIGIN}/.well-known/openid-configuration`, {}, deps);
      expect(disc.status).toBe(404);
      expect((await disc.json()).error).toBe("invalid_request");
      const wf = await app.request(`${ORIGIN}/.well-known/webfinger?resource=acct:a@localhost`, {}, deps);
      expect(wf.status).toBe(200);
      expect(await wf.json()).toEqual({});
    } finally {
      await deps.store.close();
    }
  });
});
