/**
 * Implicit and hybrid response types (OIDC Core §3.2, §3.3): openid-client 6 runs `id_token`
 * (implicitAuthentication) and `code id_token` (hybrid, detached signature checks incl. c_hash);
 * the other types are checked raw against the published JWKS (at_hash, c_hash, fragment default).
 */
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { halfHash } from "../../src/protocols/oauth2/tokens.js";
import type { FlowClient } from "../support/flows.js";
import { discover, follow, login, postForm, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("implicit and hybrid response types", () => {
  let env: OAuth2Env;
  let browser: FlowClient;

  beforeAll(async () => {
    env = await setupOAuth2();
    browser = env.browser();
    await login(browser);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  async function authorize(params: Record<string, string>): Promise<URL> {
    const q = new URLSearchParams({ client_id: env.clientId, redirect_uri: REDIRECT, scope: "openid email", ...params });
    const { url } = await follow(browser, `/application/o/authorize/?${q}`);
    if (!url) throw new Error("no redirect to the client");
    return url;
  }
  const fragment = (url: URL) => new URLSearchParams(url.hash.slice(1));

  async function verify(idToken: string): Promise<JWTPayload> {
    const jwks = createLocalJWKSet(await (await env.fetch(`http://localhost/application/o/${env.slug}/jwks/`, {})).json());
    const { payload } = await jwtVerify(idToken, jwks, { issuer: env.issuer, audience: env.clientId, currentDate: env.deps.clock.now() });
    return payload;
  }

  it("id_token with openid-client's implicitAuthentication: claims in the ID token, no access token", async () => {
    const config = await discover(env);
    oidc.useIdTokenResponseType(config);
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid email", nonce, state: "i1" });
    expect(url.searchParams.get("response_type")).toBe("id_token");
    const { url: callback } = await follow(browser, url.pathname + url.search);
    expect(callback!.search).toBe("");
    expect(fragment(callback!).get("access_token")).toBeNull();
    const claims = await oidc.implicitAuthentication(config, callback!, nonce, { expectedState: "i1" });
    expect(claims).toMatchObject({ nonce, email: "alice@example.com", aud: env.clientId });
    expect(claims.at_hash).toBeUndefined();
  });

  it("code id_token with openid-client's hybrid support (c_hash, then the code at the token endpoint)", async () => {
    const config = await discover(env);
    oidc.useCodeIdTokenResponseType(config);
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid email",
      nonce,
      state: "h1",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    const { url: callback } = await follow(browser, url.pathname + url.search);
    const front = await verify(fragment(callback!).get("id_token")!);
    expect(front.c_hash).toBe(await halfHash(fragment(callback!).get("code")!));
    const tokens = await oidc.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: "h1" });
    expect(tokens.claims()!.sub).toBe(front.sub);
  });

  it("id_token token, code token and code id_token token: fragment by default, at_hash and c_hash match", async () => {
    const a = fragment(await authorize({ response_type: "token id_token", nonce: "n-a" }));
    expect(a.get("token_type")).toBe("Bearer");
    const aId = await verify(a.get("id_token")!);
    expect(aId).toMatchObject({ nonce: "n-a", at_hash: await halfHash(a.get("access_token")!) });
    expect(Number(a.get("expires_in"))).toBeGreaterThan(0);
    expect(a.get("refresh_token")).toBeNull();

    const b = fragment(await authorize({ response_type: "code token", nonce: "n-b" }));
    expect(b.get("code")).toBeTruthy();
    expect(b.get("access_token")).toBeTruthy();
    expect(b.get("id_token")).toBeNull();

    const c = fragment(await authorize({ response_type: "code id_token token", nonce: "n-c", state: "s-c" }));
    expect(c.get("state")).toBe("s-c");
    const cId = await verify(c.get("id_token")!);
    expect(cId).toMatchObject({ c_hash: await halfHash(c.get("code")!), at_hash: await halfHash(c.get("access_token")!), nonce: "n-c" });
    // The access token from the front channel works at userinfo; the code redeems once.
    const info = await env.fetch("http://localhost/application/o/userinfo/", { headers: { Authorization: `Bearer ${c.get("access_token")}` } });
    expect(await info.json()).toMatchObject({ email: "alice@example.com" });
    const redeemed = await postForm(env, "/application/o/token/", { grant_type: "authorization_code", code: c.get("code")!, redirect_uri: REDIRECT, client_id: env.clientId, client_secret: env.clientSecret });
    expect(redeemed.status).toBe(200);

    // form_post works for tokens too.
    const q = new URLSearchParams({ client_id: env.clientId, redirect_uri: REDIRECT, scope: "openid", response_type: "id_token", nonce: "n-d", response_mode: "form_post" });
    const page = await (await browser.request(`/application/o/authorize/?${q}`)).text();
    expect(page).toContain('name="id_token"');
  });

  it("refuses what the specs forbid: no nonce, tokens in the query, id_token without openid, unknown types", async () => {
    const noNonce = fragment(await authorize({ response_type: "id_token", state: "x" }));
    expect(noNonce.get("error")).toBe("invalid_request");
    expect(noNonce.get("state")).toBe("x");
    const inQuery = await authorize({ response_type: "id_token token", nonce: "n", response_mode: "query" });
    expect(inQuery.searchParams.get("error")).toBe("invalid_request");
    expect(inQuery.searchParams.get("access_token")).toBeNull();
    expect(fragment(await authorize({ response_type: "id_token", nonce: "n", scope: "email" })).get("error")).toBe("invalid_scope");
    expect((await authorize({ response_type: "token" })).searchParams.get("error")).toBe("unsupported_response_type");
    expect((await authorize({ response_type: "code code" })).searchParams.get("error")).toBe("unsupported_response_type");
  });
});
