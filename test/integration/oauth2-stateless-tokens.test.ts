/**
 * client_credentials access tokens are not stored (tokens.ts): introspection knows them by their
 * signature, revocation records them as revoked rows, and nothing else passes for one.
 */
import { eq } from "drizzle-orm";
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { oauth2AccessTokens, users } from "../../src/db/schema/index.js";
import { authorizeCode, basic, discover, PASSWORD, postForm, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("client_credentials tokens without a row", () => {
  let env: OAuth2Env;
  let other: OAuth2Env;
  let db: DrizzleStore["db"];

  beforeAll(async () => {
    env = await setupOAuth2();
    other = await setupOAuth2({ deps: env.deps });
    db = (env.deps.store as DrizzleStore).db;
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  const issue = async (e: OAuth2Env, form: Record<string, string> = {}) => {
    const res = await postForm(e, "/application/o/token/", { grant_type: "client_credentials", scope: "openid profile", ...form }, { authorization: basic(e.clientId, e.clientSecret) });
    expect(res.status).toBe(200);
    return (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
  };
  const introspect = async (e: OAuth2Env, token: string) => {
    const res = await postForm(e, "/application/o/introspect/", { token }, { authorization: basic(e.clientId, e.clientSecret) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const revoke = async (e: OAuth2Env, token: string) => {
    const res = await postForm(e, "/application/o/revoke/", { token }, { authorization: basic(e.clientId, e.clientSecret) });
    expect(res.status).toBe(200);
  };
  const rows = async () => (await db.select().from(oauth2AccessTokens)).length;

  it("issues a signed at+jwt without writing a row, and introspection vouches for it", async () => {
    const before = await rows();
    const t = await issue(env);
    expect(await rows()).toBe(before);
    expect(await env.deps.store.oauth2.accessTokenByHash(await sha256Hex(t.access_token))).toBeNull();
    expect(decodeProtectedHeader(t.access_token)).toMatchObject({ typ: "at+jwt" });
    const claims = decodeJwt(t.access_token);
    expect(claims).toMatchObject({ sub: env.clientId, client_id: env.clientId, scope: "openid profile" });
    expect(String(claims.jti)).toMatch(/^cc\./);

    const info = await introspect(env, t.access_token);
    expect(info).toMatchObject({ active: true, token_type: "Bearer", sub: env.clientId, client_id: env.clientId, scope: "openid profile", exp: claims.exp, iss: env.issuer });
    // openid-client agrees
    const config = await discover(env, oidc.ClientSecretBasic(env.clientSecret));
    expect(await oidc.tokenIntrospection(config, t.access_token)).toMatchObject({ active: true, sub: env.clientId });
    // Another client learns nothing about it (RFC 7662 §2.2).
    expect(await introspect(other, t.access_token)).toEqual({ active: false });
  });

  it("revocation records a revoked row; the token is then inactive, and revoking twice is harmless", async () => {
    const t = await issue(env);
    // Another client cannot revoke it.
    await revoke(other, t.access_token);
    expect((await introspect(env, t.access_token)).active).toBe(true);
    expect(await rows()).toBe(0);

    await revoke(env, t.access_token);
    const [row] = await db.select().from(oauth2AccessTokens).where(eq(oauth2AccessTokens.tokenHash, await sha256Hex(t.access_token)));
    expect(row).toMatchObject({ revoked: true, userId: null, providerId: env.providerPk, scope: ["openid", "profile"] });
    expect(row!.expires.getTime()).toBe(Number(decodeJwt(t.access_token).exp) * 1000);
    expect(await introspect(env, t.access_token)).toEqual({ active: false });
    await revoke(env, t.access_token);
    expect(await introspect(env, t.access_token)).toEqual({ active: false });
    // Other tokens of the same client are untouched.
    expect((await introspect(env, (await issue(env)).access_token)).active).toBe(true);
  });

  it("expires with its exp", async () => {
    const t = await issue(env);
    env.deps.clock.advance((t.expires_in + 1) * 1000);
    try {
      expect(await introspect(env, t.access_token)).toEqual({ active: false });
    } finally {
      env.deps.clock.advance(-(t.expires_in + 1) * 1000);
    }
  });

  it("a token signed by a key the provider does not publish, or altered, is inactive", async () => {
    const t = await issue(env);
    const claims = decodeJwt(t.access_token);
    const header = decodeProtectedHeader(t.access_token);
    const { privateKey } = await generateKeyPair("RS256");
    // Same kid, same claims, a foreign key.
    const forged = await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(privateKey);
    expect(await introspect(env, forged)).toEqual({ active: false });
    const [h, , s] = t.access_token.split(".");
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: "openid profile admin" })).toString("base64url");
    expect(await introspect(env, `${h}.${widened}.${s}`)).toEqual({ active: false });
    for (const junk of ["", "a.b.c", "x".repeat(9000), `${h}.${widened}`]) {
      const res = await postForm(env, "/application/o/introspect/", { token: junk }, { authorization: basic(env.clientId, env.clientSecret) });
      expect(res.status === 200 || res.status === 400).toBe(true);
      if (res.status === 200) expect(await res.json()).toEqual({ active: false });
    }
  });

  it("a user's token whose row is gone never passes for a client_credentials token", async () => {
    // The one shape that could be mistaken: sub = the client's id (a user named like the client,
    // sub_mode user_username). Once the user is deleted, its rows go with it.
    const e = await setupOAuth2({ deps: env.deps, settings: { sub_mode: "user_username" } });
    const named = await e.deps.store.users.create({ username: e.clientId, name: "Look-alike", passwordHash: await e.deps.passwords.hash(PASSWORD) });
    const browser = e.browser();
    const slug = "default-authentication-flow";
    await browser.get(slug);
    await browser.post(slug, { component: "ak-stage-identification", uid_field: e.clientId });
    expect((await browser.post(slug, { component: "ak-stage-password", password: PASSWORD })).body.component).toBe("xak-flow-redirect");
    const config = await discover(e);
    const { callback, verifier, nonce, state } = await authorizeCode(e, config, browser, "openid");
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: e.clientId, client_id: e.clientId });
    expect(await introspect(e, tokens.access_token)).toMatchObject({ active: true, sub: e.clientId });

    await db.delete(users).where(eq(users.id, named.pk));
    expect(await e.deps.store.oauth2.accessTokenByHash(await sha256Hex(tokens.access_token))).toBeNull();
    expect(await introspect(e, tokens.access_token)).toEqual({ active: false });
    // …and revoking it writes nothing.
    await revoke(e, tokens.access_token);
    expect(await e.deps.store.oauth2.accessTokenByHash(await sha256Hex(tokens.access_token))).toBeNull();
  });

  it("userinfo refuses it (no user), with or without a row", async () => {
    const t = await issue(env);
    const res = await env.app.request("http://localhost/application/o/userinfo/", { headers: { authorization: `Bearer ${t.access_token}` } }, env.deps);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/invalid_token/);
  });
});
