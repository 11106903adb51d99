/**
 * DPoP (RFC 9449) and PAR (RFC 9126) in-process: openid-client 6 with a DPoP handle and
 * `buildAuthorizationUrlWithPAR` through the login round trip; hand-made proofs (jose) for every
 * way a proof can be wrong, replay, `ath`, and code binding by `dpop_jkt`.
 */
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenHash } from "../../src/protocols/oauth2/dpop.js";
import { authorizeCode, discover, follow, login, ORIGIN, postForm, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const TOKEN = `${ORIGIN}/application/o/token/`;
const USERINFO = `${ORIGIN}/application/o/userinfo/`;

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function newKey(): Promise<Key> {
  const pair = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

async function proof(key: Key, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: crypto.randomUUID(), iat: now, htm: "POST", htu: TOKEN, ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk, ...header })
    .sign(key.privateKey);
}

describe("DPoP and PAR (in-process)", () => {
  let env: OAuth2Env;
  let key: Key;
  const cc = (dpop: string | string[] | null, extra: Record<string, string> = {}) => {
    const headers: Record<string, string> = {};
    if (dpop !== null) headers.DPoP = Array.isArray(dpop) ? dpop.join(", ") : dpop;
    return postForm(env, "/application/o/token/", { grant_type: "client_credentials", client_id: env.clientId, client_secret: env.clientSecret, scope: "openid", ...extra }, headers);
  };

  beforeAll(async () => {
    env = await setupOAuth2();
    key = await newKey();
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("binds a client_credentials token to the proof key (cnf.jkt, token_type DPoP) and refuses a replayed proof", async () => {
    const p = await proof(key, {});
    const res = await cc(p);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe("DPoP");
    expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt });
    const introspection = await postForm(env, "/application/o/introspect/", { token: body.access_token, client_id: env.clientId, client_secret: env.clientSecret });
    expect(await introspection.json()).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt: key.jkt } });
    const replay = await cc(p);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_dpop_proof" });
  });

  it("refuses malformed proofs with invalid_dpop_proof", async () => {
    const now = Math.floor(Date.now() / 1000);
    const secretKey = new TextEncoder().encode("x".repeat(32));
    const withPrivate = { ...key.jwk, d: "AAAA" };
    const cases: [string, string | string[]][] = [
      ["wrong htm", await proof(key, { htm: "GET" })],
      ["wrong htu", await proof(key, { htu: USERINFO })],
      ["stale iat", await proof(key, { iat: now - 3600 })],
      ["future iat", await proof(key, { iat: now + 3600 })],
      ["no jti", await proof(key, { jti: undefined })],
      ["wrong typ", await proof(key, {}, { typ: "JWT" })],
      ["private key in header", await proof(key, {}, { jwk: withPrivate })],
      ["symmetric alg", await new SignJWT({ jti: "abcdefgh1", iat: now, htm: "POST", htu: TOKEN }).setProtectedHeader({ alg: "HS256", typ: "dpop+jwt" }).sign(secretKey)],
      ["signed by another key", await proof(await newKey(), {}, { jwk: key.jwk })],
      ["two proofs", [await proof(key, {}), await proof(key, {})]],
      ["not a JWT", "garbage"],
    ];
    for (const [name, p] of cases) {
      const res = await cc(p);
      expect({ name, status: res.status, body: await res.json() }).toMatchObject({ name, status: 400, body: { error: "invalid_dpop_proof" } });
    }
  });

  it("openid-client with a DPoP handle: bound code flow tokens, userinfo needs the proof with ath", async () => {
    const config = await discover(env);
    const pair = await oidc.randomDPoPKeyPair();
    const DPoP = oidc.getDPoPHandle(config, pair);
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state }, undefined, { DPoP });
    expect(tokens.token_type).toBe("dpop");
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub, { DPoP });
    expect(info.email).toBe("alice@example.com");

    const jkt = (decodeJwt(tokens.access_token).cnf as { jkt: string }).jkt;
    expect(jkt).toBe(await calculateJwkThumbprint(await exportJWK(pair.publicKey)));
    const userinfo = (scheme: string, dpop?: string) =>
      env.fetch(USERINFO, { method: "GET", headers: { Authorization: `${scheme} ${tokens.access_token}`, ...(dpop ? { DPoP: dpop } : {}) } });
    const bearer = await userinfo("Bearer");
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);
    // Our own key, right ath, but not the token's key.
    const foreign = await userinfo("DPoP", await proof(key, { htm: "GET", htu: USERINFO, ath: await accessTokenHash(tokens.access_token) }));
    expect(foreign.status).toBe(401);
    // A proof without ath.
    const noAth = await userinfo("DPoP", await proof(key, { htm: "GET", htu: USERINFO }));
    expect(await noAth.json()).toMatchObject({ error: "invalid_dpop_proof" });
    // A confidential client's refresh token is not bound (RFC 9449 §5), but the new access token is.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type).toBe("dpop");
  });

  it("dpop_jkt at authorization binds the code: another key cannot redeem it", async () => {
    const browser = env.browser();
    await login(browser);
    const q = new URLSearchParams({ client_id: env.clientId, redirect_uri: REDIRECT, response_type: "code", scope: "openid", dpop_jkt: key.jkt });
    const { url } = await follow(browser, `/application/o/authorize/?${q}`);
    const code = url!.searchParams.get("code")!;
    const other = await newKey();
    const res = await postForm(
      env,
      "/application/o/token/",
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: env.clientId, client_secret: env.clientSecret },
      { DPoP: await proof(other, {}) },
    );
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
    const malformed = await follow(browser, `/application/o/authorize/?${new URLSearchParams({ ...Object.fromEntries(q), dpop_jkt: "short" })}`);
    expect(malformed.url!.searchParams.get("error")).toBe("invalid_request");
  });

  it("PAR with openid-client: the pushed request survives the login round trip; request_uri is single use and expires", async () => {
    const config = await discover(env);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT,
      scope: "openid email",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: "par-1",
    });
    expect([...url.searchParams.keys()].sort()).toEqual(["client_id", "request_uri"]);
    const browser = env.browser();
    const first = await browser.request(url.pathname + url.search);
    const next = new URL(first.headers.get("location")!, ORIGIN).searchParams.get("next")!;
    // The way back carries a fresh request_uri, never the parameters themselves.
    expect(next).not.toContain("redirect_uri");
    expect(next).not.toContain(url.searchParams.get("request_uri")!);
    await login(browser);
    const { url: callback } = await follow(browser, next);
    const tokens = await oidc.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: verifier, expectedState: "par-1" });
    expect(tokens.claims()!.email).toBe("alice@example.com");
    // Spent.
    expect((await browser.request(url.pathname + url.search)).status).toBe(400);

    const late = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" });
    env.deps.clock.advance(61_000);
    const expired = await browser.request(late.pathname + late.search);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toMatch(/invalid_request_uri/);
  });

  it("PAR refuses unauthenticated clients, request_uri inside the push, another client's request_uri and a dpop_jkt that contradicts the proof", async () => {
    const push = (form: Record<string, string>, headers: Record<string, string> = {}) => postForm(env, "/application/o/par/", form, headers);
    const base = { redirect_uri: REDIRECT, response_type: "code", scope: "openid", client_id: env.clientId, client_secret: env.clientSecret };
    const noSecret = await push({ ...base, client_secret: "wrong" });
    expect(noSecret.status).toBe(401);
    expect(await (await push({ ...base, request_uri: "urn:ietf:params:oauth:request_uri:abc" })).json()).toMatchObject({ error: "invalid_request" });
    const parHtu = `${ORIGIN}/application/o/par/`;
    const mismatch = await push({ ...base, dpop_jkt: (await newKey()).jkt }, { DPoP: await proof(key, { htu: parHtu }) });
    expect(await mismatch.json()).toMatchObject({ error: "invalid_dpop_proof" });
    const ok = await push(base, { DPoP: await proof(key, { htu: parHtu }) });
    expect(ok.status).toBe(201);
    const { request_uri } = (await ok.json()) as { request_uri: string };
    const other = await setupOAuth2({ deps: env.deps });
    const browser = other.browser();
    const stolen = await browser.request(`/application/o/authorize/?${new URLSearchParams({ client_id: other.clientId, request_uri })}`);
    expect(stolen.status).toBe(400);
  });
});
