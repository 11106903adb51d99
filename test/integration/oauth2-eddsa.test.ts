/**
 * EdDSA (Ed25519) signing keys for OIDC: a provider whose `signing_key` is an Ed25519 pair
 * publishes an OKP key, signs ID and access tokens with EdDSA, and openid-client verifies them;
 * the admin API generates such pairs (authentik's `alg: ed25519`) and keeps them out of SAML.
 */
import * as x509 from "../../src/protocols/saml/x509.js";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairRow } from "../../src/protocols/oauth2/keys.js";
import { apiHarness, type ApiHarness } from "../support/api.js";
import { seedFlow } from "../support/flows.js";
import { authorizeCode, basic, discover, login, postForm, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("EdDSA signing keys", () => {
  let env: OAuth2Env;
  let config: oidc.Configuration;

  beforeAll(async () => {
    env = await setupOAuth2();
    const pair = await env.deps.store.crypto.create(await generateKeyPairRow(env.deps, "EdDSA", "ed25519 signing"));
    env = await setupOAuth2({ deps: env.deps, settings: { signing_key: pair.pk } });
    config = await discover(env);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("publishes an OKP key and signs ID and access tokens with EdDSA that openid-client verifies", async () => {
    expect(config.serverMetadata().id_token_signing_alg_values_supported).toEqual(["EdDSA"]);
    const jwks = (await (await env.app.request(`${env.issuer}jwks/`, {}, env.deps)).json()) as JSONWebKeySet;
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");

    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser, "openid profile offline_access");
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: "EdDSA", kid: jwks.keys[0]!.kid });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), { issuer: env.issuer, algorithms: ["EdDSA"] });
    expect(await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ preferred_username: "alice" });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(decodeProtectedHeader(refreshed.id_token!).alg).toBe("EdDSA");

    // A client_credentials token (no row) is vouched for by its EdDSA signature at introspection.
    const cc = await oidc.clientCredentialsGrant(await discover(env, oidc.ClientSecretBasic(env.clientSecret)), { scope: "openid" });
    const info = (await (await postForm(env, "/application/o/introspect/", { token: cc.access_token }, { authorization: basic(env.clientId, env.clientSecret) })).json()) as { active: boolean };
    expect(info.active).toBe(true);
    // end-session takes an EdDSA id_token_hint.
    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: "https://app.example.com/callback" });
    expect((await browser.request(end.pathname + end.search)).status).toBe(302);
  });
});

describe("EdDSA key pairs in the admin API", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
    await seedFlow(h.deps, { slug: "ed-authz", designation: "authorization", authentication: "require_authenticated", stages: [] });
  });
  afterAll(async () => {
    await h.deps.store.close();
  });

  it("generates an Ed25519 pair with a self-signed certificate, and refuses it as a SAML signing key", async () => {
    const res = await h.call("POST", "/api/v3/crypto/certificatekeypairs/generate/", { body: { common_name: "edge-signing", alg: "ed25519" } });
    expect(res.status).toBe(201);
    const gen = (await res.json()) as { pk: string; key_type: string; certificate_data: string; private_key_available: boolean };
    expect(gen).toMatchObject({ key_type: "okp", private_key_available: true });
    const cert = new x509.X509Certificate(gen.certificate_data);
    expect(cert.subject).toBe("CN=edge-signing");
    expect(await cert.verify({ signatureOnly: true })).toBe(true);

    const flows = (await (await h.call("GET", "/api/v3/flows/instances/?designation=authorization")).json()) as { results: { pk: string }[] };
    const authz = flows.results[0]!.pk;
    const saml = await h.call("POST", "/api/v3/providers/saml/", { body: { name: "ed-sp", authorization_flow: authz, acs_url: "https://sp.example/acs", signing_kp: gen.pk } });
    expect(saml.status).toBe(400);
    expect(await saml.json()).toMatchObject({ signing_kp: [expect.stringMatching(/RSA or EC/)] });
    // As an OAuth2 provider's signing key it is fine.
    const oauth = await h.call("POST", "/api/v3/providers/oauth2/", { body: { name: "ed-oidc", authorization_flow: authz, signing_key: gen.pk, redirect_uris: [{ matching_mode: "strict", url: "https://rp.example/cb" }] } });
    expect(oauth.status).toBe(201);
  });
});
