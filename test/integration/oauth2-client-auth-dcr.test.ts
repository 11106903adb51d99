/**
 * JWT client authentication (RFC 7523: private_key_jwt, client_secret_jwt) with openid-client 6,
 * resource indicators (RFC 8707), and opt-in Dynamic Client Registration (RFC 7591/7592) with
 * openid-client's `dynamicClientRegistration`.
 */
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicFetch } from "../../src/adapters/system/public-fetch.js";
import { JWT_BEARER_ASSERTION } from "../../src/protocols/oauth2/client-auth.js";
import { makeTestDeps } from "../support/app-deps.js";
import { seedFlow } from "../support/flows.js";
import { discover, login, ORIGIN, postForm, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const TOKEN = `${ORIGIN}/application/o/token/`;
const API = "https://api.example.com/";
const FILES = "https://files.example.com/";

describe("JWT client assertions and resource indicators", () => {
  let env: OAuth2Env;
  let jwtEnv: OAuth2Env;
  let clientKey: CryptoKey;

  beforeAll(async () => {
    env = await setupOAuth2({ settings: { allowed_resources: [API, FILES, "https://other.example/"] } });
    const pair = await generateKeyPair("ES256", { extractable: true });
    clientKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
    jwtEnv = await setupOAuth2({ deps: env.deps, settings: { jwks: { keys: [publicJwk] }, token_endpoint_auth_method: "private_key_jwt" } });
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  const assertion = (claims: Record<string, unknown>, key: CryptoKey | Uint8Array = clientKey, alg = "ES256") => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: jwtEnv.clientId, sub: jwtEnv.clientId, aud: TOKEN, jti: crypto.randomUUID(), iat: now, exp: now + 120, ...claims })
      .setProtectedHeader({ alg })
      .sign(key);
  };
  const ccWith = (env2: OAuth2Env, clientAssertion: string) =>
    postForm(env2, "/application/o/token/", { grant_type: "client_credentials", client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: clientAssertion });

  it("private_key_jwt with openid-client: client_credentials, introspection and revocation", async () => {
    const config = await discover(jwtEnv, oidc.PrivateKeyJwt(clientKey), "");
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["private_key_jwt", "client_secret_jwt"]));
    const t = await oidc.clientCredentialsGrant(config, { scope: "openid" });
    expect(decodeJwt(t.access_token).sub).toBe(jwtEnv.clientId);
    expect((await oidc.tokenIntrospection(config, t.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, t.access_token);
    expect((await oidc.tokenIntrospection(config, t.access_token)).active).toBe(false);
    // This client may only use private_key_jwt.
    const bySecret = await postForm(jwtEnv, "/application/o/token/", { grant_type: "client_credentials", client_id: jwtEnv.clientId, client_secret: jwtEnv.clientSecret });
    expect(bySecret.status).toBe(401);
  });

  it("client_secret_jwt with openid-client", async () => {
    const config = await discover(env, oidc.ClientSecretJwt(env.clientSecret));
    const t = await oidc.clientCredentialsGrant(config, { scope: "openid" });
    expect(t.access_token).toBeTruthy();
  });

  it("refuses replayed, mis-addressed, long-lived, foreign-key and unsigned assertions with 401 invalid_client", async () => {
    const once = await assertion({});
    expect((await ccWith(jwtEnv, once)).status).toBe(200);
    const other = (await generateKeyPair("ES256")).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${btoa(JSON.stringify({ iss: jwtEnv.clientId, sub: jwtEnv.clientId, aud: TOKEN, exp: now + 60, jti: "x1" })).replace(/=+$/, "")}.`;
    const cases: [string, string][] = [
      ["replayed", once],
      ["wrong audience", await assertion({ aud: "https://elsewhere.example/token" })],
      ["lives an hour", await assertion({ exp: now + 3600 })],
      ["expired", await assertion({ exp: now - 120 })],
      ["no jti", await assertion({ jti: undefined })],
      ["sub differs", await assertion({ sub: "someone-else" })],
      ["another key", await assertion({}, other)],
      ["alg none", unsigned],
      ["not a JWT", "abc.def"],
    ];
    for (const [name, a] of cases) {
      const res = await ccWith(jwtEnv, a);
      expect({ name, status: res.status, error: ((await res.json()) as { error: string }).error }).toEqual({ name, status: 401, error: "invalid_client" });
      expect(res.headers.get("www-authenticate")).toBeTruthy();
    }
    const mixed = await postForm(jwtEnv, "/application/o/token/", { grant_type: "client_credentials", client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion({}), client_secret: "x" });
    expect(await mixed.json()).toMatchObject({ error: "invalid_request" });
  });

  it("resource indicators become the access token's audience; the token request may only narrow them", async () => {
    const cc = (resource: string[]) => {
      const form = new URLSearchParams({ grant_type: "client_credentials", client_id: env.clientId, client_secret: env.clientSecret });
      for (const r of resource) form.append("resource", r);
      return env.app.request(TOKEN, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: form.toString() }, env.deps);
    };
    const one = (await (await cc([API])).json()) as { access_token: string };
    expect(decodeJwt(one.access_token).aud).toBe(API);
    const two = (await (await cc([API, "https://files.example.com/"])).json()) as { access_token: string };
    expect(decodeJwt(two.access_token).aud).toEqual([API, "https://files.example.com/"]);
    for (const bad of ["relative/path", "https://api.example.com/#frag"]) expect(await (await cc([bad])).json()).toMatchObject({ error: "invalid_target" });
    // Only the client's allowed_resources: no tokens for somebody else's API, or a near miss.
    for (const foreign of ["https://admin.example.com/", "https://api.example.com", "https://api.example.com/v2/"]) {
      const res = await cc([API, foreign]);
      expect([res.status, await res.json()], foreign).toEqual([400, expect.objectContaining({ error: "invalid_target" })]);
    }

    const config = await discover(env);
    const browser = env.browser();
    await login(browser);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid offline_access",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      resource: API,
    });
    const res = await browser.request(url.pathname + url.search);
    const callback = new URL(res.headers.get("location")!);
    await expect(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }, { resource: "https://other.example/" })).rejects.toMatchObject({ error: "invalid_target" });
    // At the authorization endpoint, a resource outside the allow-list goes back as an error.
    const foreign = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", resource: "https://admin.example.com/", state: "r1" });
    const refused = new URL((await browser.request(foreign.pathname + foreign.search)).headers.get("location")!);
    expect([refused.searchParams.get("error"), refused.searchParams.get("state"), refused.searchParams.has("code")]).toEqual(["invalid_target", "r1", false]);
  });

  it("the code's resources reach the token, and refresh keeps or narrows them", async () => {
    const config = await discover(env);
    const browser = env.browser();
    await login(browser);
    const verifier = oidc.randomPKCECodeVerifier();
    const params = new URLSearchParams({ redirect_uri: REDIRECT, scope: "openid offline_access", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" });
    params.append("resource", API);
    params.append("resource", "https://files.example.com/");
    const url = oidc.buildAuthorizationUrl(config, params);
    const callback = new URL((await browser.request(url.pathname + url.search)).headers.get("location")!);
    const t = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    expect(decodeJwt(t.access_token).aud).toEqual([API, "https://files.example.com/"]);
    expect(t.claims()!.aud).toBe(env.clientId); // the ID token is for the client
    const narrowed = await oidc.refreshTokenGrant(config, t.refresh_token!, { resource: API });
    expect(decodeJwt(narrowed.access_token).aud).toBe(API);
    await expect(oidc.refreshTokenGrant(config, narrowed.refresh_token!, { resource: "https://other.example/" })).rejects.toMatchObject({ error: "invalid_target" });
  });
});

describe("Dynamic Client Registration (RFC 7591/7592)", () => {
  let env: OAuth2Env;
  const INITIAL = "initial-access-token-0123456789";

  beforeAll(async () => {
    const deps = await makeTestDeps({ THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION: "true", THRESHOLD_OAUTH2__REGISTRATION_TOKEN: INITIAL });
    await seedFlow(deps, { slug: "default-provider-authorization-explicit-consent", designation: "authorization", authentication: "require_authenticated", stages: [] });
    env = await setupOAuth2({ deps });
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  const register = (body: unknown, token: string | null = INITIAL) =>
    env.fetch(`${ORIGIN}/application/o/register/`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("registers with openid-client, uses the client, then reads, updates and deletes it with the registration access token", async () => {
    const opts = { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: env.fetch as never, initialAccessToken: INITIAL };
    const config = await oidc.dynamicClientRegistration(
      new URL(env.issuer),
      { redirect_uris: ["https://dcr.example.com/cb"], grant_types: ["authorization_code", "client_credentials"], client_name: "Registered App" },
      undefined,
      opts,
    );
    config[oidc.customFetch] = env.fetch as never;
    const meta = config.clientMetadata() as Record<string, string>;
    expect(meta.client_id).toHaveLength(40);
    expect(meta.client_secret).toHaveLength(128);
    expect(meta.registration_access_token).toBeTruthy();
    const t = await oidc.clientCredentialsGrant(config, { scope: "openid" });
    expect(decodeJwt(t.access_token).sub).toBe(meta.client_id);

    const manage = (method: string, token = meta.registration_access_token!, body?: unknown) =>
      env.fetch(meta.registration_client_uri!, { method, headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const read = await manage("GET");
    expect(await read.json()).toMatchObject({ client_id: meta.client_id, client_name: "Registered App", redirect_uris: ["https://dcr.example.com/cb"] });
    expect((await manage("GET", "wrong-token")).status).toBe(401);
    const updated = await manage("PUT", undefined, { client_id: meta.client_id, redirect_uris: ["https://dcr.example.com/new"], grant_types: ["client_credentials", "authorization_code"], client_name: "Renamed" });
    expect(await updated.json()).toMatchObject({ client_name: "Renamed", redirect_uris: ["https://dcr.example.com/new"] });
    expect(await (await manage("PUT", undefined, { client_id: "someone-else" })).json()).toMatchObject({ error: "invalid_client_metadata" });
    expect((await manage("DELETE")).status).toBe(204);
    // openid-client surfaces the 401 invalid_client as its WWW-Authenticate challenge.
    await expect(oidc.clientCredentialsGrant(config, { scope: "openid" })).rejects.toMatchObject({ status: 401, code: "OAUTH_WWW_AUTHENTICATE_CHALLENGE" });
    expect((await manage("GET")).status).toBe(401);
  });

  it("needs the initial access token and valid metadata", async () => {
    expect((await register({ redirect_uris: ["https://a.example/cb"] }, null)).status).toBe(401);
    expect(await (await register({ redirect_uris: ["https://a.example/cb#x"] })).json()).toMatchObject({ error: "invalid_redirect_uri" });
    expect(await (await register({ grant_types: ["authorization_code"] })).json()).toMatchObject({ error: "invalid_redirect_uri" });
    expect(await (await register({ redirect_uris: ["javascript:alert(1)"] })).json()).toMatchObject({ error: "invalid_redirect_uri" });
    expect(await (await register({ grant_types: ["client_credentials"], token_endpoint_auth_method: "private_key_jwt" })).json()).toMatchObject({ error: "invalid_client_metadata" });
    expect(await (await register({ grant_types: ["password"] })).json()).toMatchObject({ error: "invalid_client_metadata" });
    expect(await (await register({ grant_types: ["client_credentials"], jwks_uri: "http://169.254.169.254/keys" })).json()).toMatchObject({ error: "invalid_client_metadata" });
    // jwks_uri is fetched by the server: never inward (SSRF), whatever form the address takes.
    for (const inward of [
      "https://127.0.0.1/keys",
      "https://2130706433/keys", // 127.0.0.1 as one number
      "https://0x7f.1/keys",
      "https://10.1.2.3/keys",
      "https://172.20.0.1/keys",
      "https://192.168.1.10/keys",
      "https://169.254.169.254/latest/meta-data",
      "https://100.100.1.1/keys",
      "https://0.0.0.0/keys",
      "https://[::1]/keys",
      "https://[::ffff:127.0.0.1]/keys",
      "https://[::ffff:a9fe:a9fe]/keys",
      "https://[fd00::1]/keys",
      "https://[fe80::1]/keys",
      "https://localhost/keys",
      "https://db.localhost/keys",
      "https://vault/keys",
      "https://nas.local/keys",
      "https://api.internal/keys",
    ]) {
      const res = await register({ grant_types: ["client_credentials"], token_endpoint_auth_method: "private_key_jwt", jwks_uri: inward });
      expect([res.status, await res.json()], inward).toEqual([400, expect.objectContaining({ error: "invalid_client_metadata" })]);
    }
    for (const outward of ["https://keys.example.com/jwks", "https://8.8.8.8/jwks", "https://172.32.0.1/jwks", "https://[2001:db8::1]/jwks"]) {
      const res = await register({ grant_types: ["client_credentials"], token_endpoint_auth_method: "private_key_jwt", jwks_uri: outward });
      expect(res.status, outward).toBe(201);
    }
    expect(await (await register("{not json")).json()).toMatchObject({ error: "invalid_client_metadata" });
    const pub = await register({ redirect_uris: ["https://spa.example/cb"], token_endpoint_auth_method: "none" });
    expect(pub.status).toBe(201);
    expect((await pub.json()).client_secret).toBeUndefined();
  });

  it("a registered jwks_uri whose public name resolves to a private address is never fetched (Node host)", async () => {
    const asked: string[] = [];
    const failures: unknown[] = [];
    const guarded = createPublicFetch({
      resolve: (host, _opts, cb) => {
        asked.push(host);
        cb(null, [{ address: "93.184.215.14", family: 4 }, { address: "10.0.0.5", family: 4 }]); // one public, one private
      },
    });
    env.deps.publicFetch = (url, init) => guarded(url, init).catch((e: NodeJS.ErrnoException) => Promise.reject(failures.push(e.code) && e));
    const pair = await generateKeyPair("ES256", { extractable: true });
    const res = await register({ grant_types: ["client_credentials"], token_endpoint_auth_method: "private_key_jwt", jwks_uri: "https://rebind.example.com/jwks" });
    expect(res.status).toBe(201); // the name is public
    const { client_id } = (await res.json()) as { client_id: string };
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: client_id, sub: client_id, aud: TOKEN, jti: crypto.randomUUID(), iat: now, exp: now + 60 }).setProtectedHeader({ alg: "ES256" }).sign(pair.privateKey);
    const token = await postForm(env, "/application/o/token/", { grant_type: "client_credentials", client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: jwt });
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ error: "invalid_client" });
    expect(asked).toEqual(["rebind.example.com"]);
    expect(failures).toEqual(["ENOTPUBLIC"]); // resolved, then refused before connecting
  });

  it("is off by default: no registration_endpoint and 404", async () => {
    const plain = await setupOAuth2();
    try {
      const config = await discover(plain);
      expect(config.serverMetadata().registration_endpoint).toBeUndefined();
      const res = await plain.fetch(`${ORIGIN}/application/o/register/`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    } finally {
      await plain.deps.store.close();
    }
  });
});
