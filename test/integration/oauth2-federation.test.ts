/**
 * authentik's JWT federation between providers (`jwt_federation_providers`): a user's access token
 * from provider A, presented to provider B that trusts A, becomes B's tokens for that user — by
 * RFC 8693 token exchange (driven with openid-client's genericGrantRequest) or by authentik's
 * client_credentials form (the token as client_assertion).
 */
import { eq } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { users } from "../../src/db/schema/index.js";
import type { OAuth2Settings } from "../../src/protocols/oauth2/settings.js";
import { authorizeCode, basic, discover, login, postForm, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS = "urn:ietf:params:oauth:token-type:access_token";
const JWT = "urn:ietf:params:oauth:token-type:jwt";
const BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

describe("JWT federation between providers (token exchange and client_credentials)", () => {
  let a: OAuth2Env; // issues the user's token
  let b: OAuth2Env; // trusts a
  let c: OAuth2Env; // trusts nobody
  let configA: oidc.Configuration;
  let configB: oidc.Configuration;

  beforeAll(async () => {
    a = await setupOAuth2();
    b = await setupOAuth2({ deps: a.deps, settings: { jwt_federation_providers: [a.providerPk] } as Partial<OAuth2Settings> });
    c = await setupOAuth2({ deps: a.deps });
    configA = await discover(a);
    configB = await discover(b);
  });
  afterAll(async () => {
    await a.deps.queue.drain();
    await a.deps.store.close();
  });

  /** alice's access token from provider a (code + PKCE in a logged-in browser). */
  async function aliceTokenFromA(): Promise<string> {
    const browser = a.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(a, configA, browser, "openid profile");
    return (await oidc.authorizationCodeGrant(configA, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state })).access_token;
  }
  const exchange = (env: OAuth2Env, form: Record<string, string>, secret = env.clientSecret) =>
    postForm(env, "/application/o/token/", { grant_type: EXCHANGE, subject_token_type: ACCESS, ...form }, { authorization: basic(env.clientId, secret) });
  const expectError = async (res: Response, status: number, error: string) => {
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error });
  };

  it("exchanges alice's token from a for b's tokens for alice (openid-client genericGrantRequest)", async () => {
    const subject = await aliceTokenFromA();
    expect(configB.serverMetadata().grant_types_supported).toContain(EXCHANGE);
    const tokens = await oidc.genericGrantRequest(configB, EXCHANGE, { subject_token: subject, subject_token_type: ACCESS, scope: "openid profile" });
    expect(tokens).toMatchObject({ token_type: "bearer", issued_token_type: ACCESS, scope: "openid profile" });
    expect(tokens.refresh_token).toBeUndefined();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: b.issuer, aud: b.clientId, client_id: b.clientId });
    // The same person (hashed_user_id is per install, as in authentik), as b's stored token for alice.
    expect(claims.sub).toBe(decodeJwt(subject).sub);
    expect((await b.deps.store.oauth2.accessTokenByHash(await sha256Hex(tokens.access_token)))?.userPk).toBe(b.user.pk);
    const jwks = (await (await b.app.request(`${b.issuer}jwks/`, {}, b.deps)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(tokens.id_token!, createLocalJWKSet(jwks), { issuer: b.issuer, audience: b.clientId });
    expect(payload).toMatchObject({ sub: claims.sub, preferred_username: "alice" });
    // The new token works at b's userinfo.
    expect(await oidc.fetchUserInfo(configB, tokens.access_token, claims.sub as string)).toMatchObject({ preferred_username: "alice" });
    // requested_token_type jwt is the same artifact, reported as a JWT.
    const asJwt = await exchange(b, { subject_token: subject, subject_token_type: JWT, requested_token_type: JWT });
    expect(asJwt.status).toBe(200);
    expect(await asJwt.json()).toMatchObject({ issued_token_type: JWT });
    const [login] = await b.deps.store.events.list({ limit: 1, action: "login" });
    expect(login).toMatchObject({ user: { username: "alice" }, context: { method: "jwt", method_args: { provider: { pk: a.providerPk } } } });
  });

  it("accepts authentik's client_credentials form: the token as client_assertion with the client_id", async () => {
    const subject = await aliceTokenFromA();
    const res = await postForm(b, "/application/o/token/", { grant_type: "client_credentials", client_id: b.clientId, client_assertion_type: BEARER_ASSERTION, client_assertion: subject, scope: "openid" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; id_token?: string };
    expect((await b.deps.store.oauth2.accessTokenByHash(await sha256Hex(body.access_token)))?.userPk).toBe(b.user.pk);
    expect(body.id_token).toBeDefined();
    // At a provider without federation it stays an ordinary failed client assertion.
    const atC = await postForm(c, "/application/o/token/", { grant_type: "client_credentials", client_id: c.clientId, client_assertion_type: BEARER_ASSERTION, client_assertion: subject });
    await expectError(atC, 401, "invalid_client");
  });

  it("refuses untrusted, revoked, forged, client-only and inactive subjects with invalid_grant", async () => {
    const subject = await aliceTokenFromA();
    // c trusts nobody; a does not trust itself.
    await expectError(await exchange(c, { subject_token: subject }), 400, "invalid_grant");
    await expectError(await exchange(a, { subject_token: subject }), 400, "invalid_grant");
    // A forged signature (the row lookup fails first), and garbage.
    const [h, p, s] = subject.split(".");
    await expectError(await exchange(b, { subject_token: `${h}.${p}.${s!.slice(0, -4)}AAAA` }), 400, "invalid_grant");
    await expectError(await exchange(b, { subject_token: "not-a-jwt" }), 400, "invalid_grant");
    // a's client_credentials token has no user.
    const cc = (await (await postForm(a, "/application/o/token/", { grant_type: "client_credentials" }, { authorization: basic(a.clientId, a.clientSecret) })).json()) as { access_token: string };
    await expectError(await exchange(b, { subject_token: cc.access_token }), 400, "invalid_grant");
    // Revoked at a.
    const revoked = await aliceTokenFromA();
    expect((await postForm(a, "/application/o/revoke/", { token: revoked }, { authorization: basic(a.clientId, a.clientSecret) })).status).toBe(200);
    await expectError(await exchange(b, { subject_token: revoked }), 400, "invalid_grant");
    // alice deactivated, then back.
    const db = (a.deps.store as DrizzleStore).db;
    await db.update(users).set({ isActive: false }).where(eq(users.id, a.user.pk));
    await expectError(await exchange(b, { subject_token: subject }), 400, "invalid_grant");
    await db.update(users).set({ isActive: true }).where(eq(users.id, a.user.pk));
    expect((await exchange(b, { subject_token: subject })).status).toBe(200);
  });

  it("applies b's application policy bindings to the user", async () => {
    const locked = await setupOAuth2({ deps: a.deps, settings: { jwt_federation_providers: [a.providerPk] } as Partial<OAuth2Settings> });
    const nobody = await a.deps.store.groups.create({ name: `federation-nobody-${Date.now()}` });
    await a.deps.store.policies.bind({ targetPk: locked.applicationPk, groupPk: nobody.pk, order: 0 });
    const subject = await aliceTokenFromA();
    await expectError(await exchange(locked, { subject_token: subject }), 400, "invalid_grant");
    await a.deps.store.groups.addMember(nobody.pk, a.user.pk);
    expect((await exchange(locked, { subject_token: subject })).status).toBe(200);
  });

  it("answers malformed exchanges with protocol errors, and a confidential client must authenticate", async () => {
    const subject = await aliceTokenFromA();
    await expectError(await exchange(b, {}), 400, "invalid_request"); // no subject_token
    await expectError(await exchange(b, { subject_token: subject, subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }), 400, "invalid_request");
    await expectError(await exchange(b, { subject_token: subject, requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }), 400, "invalid_request");
    await expectError(await exchange(b, { subject_token: subject, actor_token: subject, actor_token_type: ACCESS }), 400, "invalid_request");
    await expectError(await exchange(b, { subject_token: subject, audience: "https://api.example.com" }), 400, "invalid_target");
    await expectError(await exchange(b, { subject_token: subject, resource: "https://api.example.com/" }), 400, "invalid_target");
    await expectError(await exchange(b, { subject_token: subject }, "wrong-secret"), 401, "invalid_client");
    const noSecret = await postForm(b, "/application/o/token/", { grant_type: EXCHANGE, client_id: b.clientId, subject_token: subject, subject_token_type: ACCESS });
    await expectError(noSecret, 401, "invalid_client");
  });
});
