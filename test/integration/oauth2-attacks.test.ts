import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairRow, defaultKeyPair, signingKey } from "../../src/protocols/oauth2/keys.js";
import { makeTestDeps } from "../support/app-deps.js";
import { authorizeCode, basic, discover, login, ORIGIN, postForm, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("OAuth2 provider under attack", () => {
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

  const authorizePath = (params: Record<string, string>) => `/application/o/authorize/?${new URLSearchParams(params)}`;
  const pkce = async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier) };
  };

  it("redirect_uri mismatch or unknown client → an error page, never a redirect", async () => {
    const browser = env.browser();
    await login(browser);
    for (const params of <Record<string, string>[]>[
      { client_id: env.clientId, redirect_uri: "https://evil.example/callback", response_type: "code", scope: "openid" },
      { client_id: env.clientId, redirect_uri: `${REDIRECT}/../evil`, response_type: "code" },
      { client_id: env.clientId, response_type: "code" },
      { client_id: "nope", redirect_uri: REDIRECT, response_type: "code" },
      { client_id: env.clientId, redirect_uri: `${REDIRECT}#frag`, response_type: "code" },
    ]) {
      const res = await browser.request(authorizePath(params));
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
    }
  });

  it("errors after the redirect URI is validated go back to the client with state", async () => {
    const browser = env.browser();
    await login(browser);
    const res = await browser.request(authorizePath({ client_id: env.clientId, redirect_uri: REDIRECT, response_type: "token", state: "x" }));
    const loc = new URL(res.headers.get("location")!);
    expect(loc.searchParams.get("error")).toBe("unsupported_response_type");
    expect(loc.searchParams.get("state")).toBe("x");
    const bad = await browser.request(authorizePath({ client_id: env.clientId, redirect_uri: REDIRECT, response_type: "code", code_challenge: "short", code_challenge_method: "S256", response_mode: "fragment" }));
    expect(new URLSearchParams(new URL(bad.headers.get("location")!).hash.slice(1)).get("error")).toBe("invalid_request");
  });

  it("a public client must use PKCE", async () => {
    const pub = await setupOAuth2({ deps: env.deps, settings: { client_type: "public" } });
    const browser = pub.browser();
    await login(browser);
    const res = await browser.request(authorizePath({ client_id: pub.clientId, redirect_uri: REDIRECT, response_type: "code", scope: "openid" }));
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    const cfg = await discover(pub, oidc.None(), "");
    const { callback, verifier, nonce, state } = await authorizeCode(pub, cfg, browser);
    const t = await oidc.authorizationCodeGrant(cfg, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(t.access_token).toBeTruthy();
  });

  it("a reused code → invalid_grant and the first redemption's tokens are revoked", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser);
    const t = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    await expect(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state })).rejects.toMatchObject({ error: "invalid_grant" });
    expect((await oidc.tokenIntrospection(config, t.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, t.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("50 concurrent redemptions of one code → exactly one success", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier } = await authorizeCode(env, config, browser);
    const code = callback.searchParams.get("code")!;
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: env.clientId, client_secret: env.clientSecret };
    const results = await Promise.all(Array.from({ length: 50 }, () => postForm(env, "/application/o/token/", form)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 400)) expect((await r.json()).error).toBe("invalid_grant");
  });

  it("PKCE mismatch → invalid_grant", async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, nonce, state } = await authorizeCode(env, config, browser);
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedNonce: nonce, expectedState: state }),
    ).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("bad client authentication → 401 invalid_client with WWW-Authenticate", async () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ grant_type: "client_credentials" }, { Authorization: basic(env.clientId, "wrong") }],
      [{ grant_type: "client_credentials", client_id: env.clientId, client_secret: "wrong" }, {}],
      [{ grant_type: "client_credentials", client_id: "unknown", client_secret: "x" }, {}],
      [{ grant_type: "client_credentials", client_id: env.clientId }, {}],
      [{ grant_type: "client_credentials" }, { Authorization: "Basic !!!" }],
    ];
    for (const [form, headers] of cases) {
      const res = await postForm(env, "/application/o/token/", form, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
      expect(await res.json()).toMatchObject({ error: "invalid_client" });
    }
    const intro = await postForm(env, "/application/o/introspect/", { token: "x" }, { Authorization: basic(env.clientId, "wrong") });
    expect(intro.status).toBe(401);
  });

  it("open redirects on logout are refused", async () => {
    const browser = env.browser();
    await login(browser);
    for (const target of ["https://evil.example/", "javascript:alert(1)", "//evil.example/", `${REDIRECT}.evil.example`]) {
      const res = await browser.request(`/application/o/${env.slug}/end-session/?${new URLSearchParams({ client_id: env.clientId, post_logout_redirect_uri: target })}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    // A registered URI without naming the client is refused too.
    const anon = await browser.request(`/application/o/${env.slug}/end-session/?${new URLSearchParams({ post_logout_redirect_uri: REDIRECT })}`);
    expect(anon.status).toBe(400);
    const forged = await browser.request(`/application/o/${env.slug}/end-session/?${new URLSearchParams({ id_token_hint: "a.b.c", post_logout_redirect_uri: REDIRECT })}`);
    expect(forged.status).toBe(400);
  });

  it("malformed requests get OAuth error JSON, never a 500", async () => {
    const forms: Record<string, string>[] = [
      {},
      { grant_type: "password", client_id: env.clientId, client_secret: env.clientSecret },
      { grant_type: "authorization_code", client_id: env.clientId, client_secret: env.clientSecret },
      { grant_type: "authorization_code", code: "x".repeat(5000), redirect_uri: "::", client_id: env.clientId, client_secret: env.clientSecret },
      { grant_type: "refresh_token", refresh_token: "\u0000", client_id: env.clientId, client_secret: env.clientSecret },
      { grant_type: "__proto__", client_id: env.clientId, client_secret: env.clientSecret },
      { grant_type: "toString", client_id: env.clientId, client_secret: env.clientSecret },
    ];
    for (const form of forms) {
      const res = await postForm(env, "/application/o/token/", form);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(typeof (await res.json()).error).toBe("string");
    }
    const dup = await env.app.request(`${ORIGIN}/application/o/token/`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials&grant_type=refresh_token" }, env.deps);
    expect((await dup.json()).error).toBe("invalid_request");
    const json = await env.app.request(`${ORIGIN}/application/o/token/`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }, env.deps);
    expect(json.status).toBe(400);
    const ui = await env.app.request(`${ORIGIN}/application/o/userinfo/`, {}, env.deps);
    expect(ui.status).toBe(401);
    expect(ui.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const ui2 = await env.app.request(`${ORIGIN}/application/o/userinfo/`, { headers: { Authorization: "Bearer nope" } }, env.deps);
    expect(await ui2.json()).toMatchObject({ error: "invalid_token" });
    const disco = await env.app.request(`${ORIGIN}/application/o/%00/.well-known/openid-configuration`, {}, env.deps);
    expect(disco.status).toBe(404);
    const browser = env.browser();
    await login(browser);
    const weird = await browser.request(authorizePath({ client_id: env.clientId, redirect_uri: REDIRECT, response_type: "code", max_age: "-1", prompt: "bogus" }));
    expect(new URL(weird.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
  });

  it("application policy bindings decide who may authorize", async () => {
    const locked = await setupOAuth2({ deps: env.deps });
    const outsiders = await env.deps.store.groups.create({ name: "outsiders" });
    await env.deps.store.policies.bind({ targetPk: locked.applicationPk, groupPk: outsiders.pk, order: 0 });
    const browser = locked.browser();
    await login(browser);
    const cfg = await discover(locked);
    await expect(authorizeCode(locked, cfg, browser)).resolves.toSatisfy(({ callback }: { callback: URL }) => callback.searchParams.get("error") === "access_denied");
  });

  it("keys: ES256 pairs, and the default key is created once under concurrency", async () => {
    const row = await generateKeyPairRow(env.deps, "ES256", "es-key");
    const stored = await env.deps.store.crypto.create(row);
    expect(stored.publicJwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", kid: row.kid });
    expect(stored.keyDataWrapped).not.toContain('"d"');
    const key = await signingKey(env.deps, stored);
    expect(key.alg).toBe("ES256");
    // A fresh install: five first uses at once converge on one managed key.
    const fresh = await makeTestDeps();
    try {
      const pairs = await Promise.all(Array.from({ length: 5 }, () => defaultKeyPair(fresh)));
      expect(new Set(pairs.map((p) => p.pk)).size).toBe(1);
      expect(pairs[0]!.publicJwk).toMatchObject({ kty: "RSA", alg: "RS256" });
    } finally {
      await fresh.store.close();
    }
  });
});
