import { createLocalJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeCode, discover, follow, login, ORIGIN, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("OAuth2/OIDC provider with openid-client 6 (in-process)", () => {
  let env: OAuth2Env;
  let config: oidc.Configuration;

  beforeAll(async () => {
    env = await setupOAuth2();
    config = await discover(env);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("publishes discovery (per provider and RFC 8414) and JWKS", async () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(env.issuer);
    expect(meta.token_endpoint).toBe(`${ORIGIN}/application/o/token/`);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    const rfc8414 = await env.fetch(`${ORIGIN}/.well-known/oauth-authorization-server/application/o/${env.slug}/`, {});
    expect((await rfc8414.json()).issuer).toBe(env.issuer);
    const jwks = (await (await env.fetch(meta.jwks_uri!, {})).json()) as { keys: { kid: string; alg: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg: "RS256", use: "sig" });
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
  });

  it("sends an anonymous browser to the login flow and back, then runs code + PKCE; the ID token validates", async () => {
    const browser = env.browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid email profile offline_access",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      nonce,
      state: "st-1",
    });
    const first = await browser.request(url.pathname + url.search);
    expect(first.status).toBe(302);
    const loginUrl = new URL(first.headers.get("location")!, ORIGIN);
    expect(loginUrl.pathname).toBe("/if/flow/default-authentication-flow/");
    const next = loginUrl.searchParams.get("next")!;
    expect(next.startsWith("/application/o/authorize/?")).toBe(true);
    // Log in through the executor with the same original query the page would carry.
    const q = `next=${encodeURIComponent(next)}`;
    await browser.get("default-authentication-flow", q);
    await browser.post("default-authentication-flow", { component: "ak-stage-identification", uid_field: "alice" }, { query: q });
    const done = await browser.post("default-authentication-flow", { component: "ak-stage-password", password: "correct horse" }, { query: q });
    expect(done.body).toMatchObject({ component: "xak-flow-redirect", to: next });
    const { url: callback } = await follow(browser, next);
    expect(callback!.origin + callback!.pathname).toBe(REDIRECT);
    expect(callback!.searchParams.get("state")).toBe("st-1");

    const tokens = await oidc.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: "st-1" });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: env.issuer, aud: env.clientId, nonce, acr: "goauthentik.io/providers/oauth2/default", email: "alice@example.com" });
    expect(claims.sub).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof claims.auth_time).toBe("number");
    expect(claims.at_hash).toBeTruthy();
    expect(claims.sid).toBeTruthy();
    expect(claims.groups).toEqual(expect.arrayContaining(["engineers", "staff"]));
    expect(tokens.refresh_token).toBeTruthy();
    // Signature checked against the published JWKS, independently of the client library.
    const jwks = createLocalJWKSet(await (await env.fetch(config.serverMetadata().jwks_uri!, {})).json());
    await expect(jwtVerify(tokens.id_token!, jwks, { issuer: env.issuer, audience: env.clientId, currentDate: env.deps.clock.now() })).resolves.toBeTruthy();

    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email: "alice@example.com", preferred_username: "alice", email_verified: true });
  });

  it("rotates refresh tokens; reusing an old one → invalid_grant, the family revoked and a suspicious_request event", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser);
    const t1 = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    const t2 = await oidc.refreshTokenGrant(config, t1.refresh_token!);
    expect(t2.refresh_token).toBeTruthy();
    expect(t2.refresh_token).not.toBe(t1.refresh_token);
    expect(t2.claims()!.sub).toBe(t1.claims()!.sub);
    await expect(oidc.refreshTokenGrant(config, t1.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    // The whole family is gone: the newest refresh token and its access token too.
    await expect(oidc.refreshTokenGrant(config, t2.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect((await oidc.tokenIntrospection(config, t2.access_token)).active).toBe(false);
    const events = await env.deps.store.events.list({ limit: 10, action: "suspicious_request" });
    expect(events.some((e) => e.context.reason === "refresh token reused")).toBe(true);
  });

  it("refresh tokens need offline_access", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser, "openid email");
    const t = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(t.refresh_token).toBeUndefined();
    expect(t.claims()!.groups).toBeUndefined();
  });

  it("introspects and revokes", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser);
    const t = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    const active = await oidc.tokenIntrospection(config, t.access_token);
    expect(active).toMatchObject({ active: true, client_id: env.clientId, sub: t.claims()!.sub, iss: env.issuer });
    expect((await oidc.tokenIntrospection(config, t.refresh_token!)).active).toBe(true);
    await oidc.tokenRevocation(config, t.access_token);
    expect((await oidc.tokenIntrospection(config, t.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(config, t.access_token, oidc.skipSubjectCheck)).rejects.toBeTruthy();
    await oidc.tokenRevocation(config, t.refresh_token!, { token_type_hint: "refresh_token" });
    await expect(oidc.refreshTokenGrant(config, t.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect((await oidc.tokenIntrospection(config, "not-a-token")).active).toBe(false);
  });

  it("end-session logs out and returns to a registered URI with state", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser);
    const t = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: t.id_token!, post_logout_redirect_uri: REDIRECT, state: "bye" });
    const res = await browser.request(url.pathname + url.search);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${REDIRECT}?state=bye`);
    // Logged out: prompt=none now answers login_required.
    const again = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      prompt: "none",
      state: "s2",
    });
    const r2 = await browser.request(again.pathname + again.search);
    const loc = new URL(r2.headers.get("location")!);
    expect(loc.searchParams.get("error")).toBe("login_required");
    expect(loc.searchParams.get("state")).toBe("s2");
  });

  it("client_credentials with the client secret (basic auth)", async () => {
    const basicConfig = await discover(env, oidc.ClientSecretBasic(env.clientSecret));
    const t = await oidc.clientCredentialsGrant(basicConfig, { scope: "openid profile" });
    expect(t.access_token).toBeTruthy();
    expect(t.refresh_token).toBeUndefined();
    const info = await oidc.tokenIntrospection(basicConfig, t.access_token);
    expect(info).toMatchObject({ active: true, sub: env.clientId });
  });

  it("explicit consent: the authorization flow's consent stage runs, then the fulfilment step issues the code", async () => {
    const explicit = await setupOAuth2({ consent: "explicit", deps: env.deps });
    const cfg = await discover(explicit);
    const browser = explicit.browser();
    await login(browser);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: REDIRECT,
      scope: "openid email",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: "c1",
      response_mode: "form_post",
    });
    const res = await browser.request(url.pathname + url.search);
    const flowPath = new URL(res.headers.get("location")!, ORIGIN).pathname;
    const slug = flowPath.split("/")[3]!;
    const challenge = await browser.get(slug);
    expect(challenge.body).toMatchObject({ component: "ak-stage-consent", permissions: [{ id: "openid" }, { id: "email" }] });
    const done = await browser.post(slug, { component: "ak-stage-consent", token: challenge.body.token });
    expect(done.body.component).toBe("xak-flow-redirect");
    const page = await browser.request(String(done.body.to));
    const html = await page.text();
    expect(html).toContain(`action="${REDIRECT}"`);
    const code = /name="code" value="([^"]+)"/.exec(html)![1]!;
    expect(html).toContain('name="state" value="c1"');
    // A form_post page is single use.
    expect((await browser.request(String(done.body.to))).status).toBe(400);
    const cb = new URL(`${REDIRECT}?${new URLSearchParams({ code, state: "c1" })}`);
    const tokens = await oidc.authorizationCodeGrant(cfg, cb, { pkceCodeVerifier: verifier, expectedState: "c1" });
    expect(tokens.claims()!.aud).toBe(explicit.clientId);
  });

  it("prompt=consent asks even when the authorization flow has no consent stage (an in-memory one, as authentik)", async () => {
    const browser = env.browser();
    await login(browser);
    const verifier = oidc.randomPKCECodeVerifier();
    const ask = async (prompt?: string) => {
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: "openid email",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state: "pc",
        ...(prompt ? { prompt } : {}),
      });
      return browser.request(url.pathname + url.search);
    };
    // Without prompt the implicit flow answers at once …
    expect(new URL((await ask()).headers.get("location")!).searchParams.get("code")).toBeTruthy();
    // … with prompt=consent the user is asked first.
    const res = await ask("consent");
    const flowPath = new URL(res.headers.get("location")!, ORIGIN).pathname;
    expect(flowPath).toMatch(/^\/if\/flow\//);
    const slug = flowPath.split("/")[3]!;
    const challenge = await browser.get(slug);
    expect(challenge.body).toMatchObject({ component: "ak-stage-consent", permissions: [{ id: "openid" }, { id: "email" }] });
    const done = await browser.post(slug, { component: "ak-stage-consent", token: challenge.body.token });
    expect(done.body.component).toBe("xak-flow-redirect");
    // The flow ends on the stored authorization response, a page that sends the browser on to the client.
    const page = await (await browser.request(String(done.body.to))).text();
    const cb = new URL(/url=([^"]+)"/.exec(page)![1]!.replaceAll("&#38;", "&"));
    expect(cb.origin + cb.pathname).toBe(REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, cb, { pkceCodeVerifier: verifier, expectedState: "pc" });
    expect(tokens.claims()!.aud).toBe(env.clientId);
  });
});
