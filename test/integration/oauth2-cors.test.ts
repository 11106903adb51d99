/**
 * CORS on the endpoints browser apps call themselves (token, userinfo, revocation), as authentik's
 * `cors_allow`: the Origin of one of the client's redirect URIs may read the answers, errors
 * included; other origins get no Access-Control-Allow-Origin; preflights are answered.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { originAllowed } from "../../src/protocols/oauth2/cors.js";
import type { OAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { authorizeCode, basic, discover, login, ORIGIN, postForm, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const APP = "https://app.example.com"; // REDIRECT's origin
const EVIL = "https://evil.example.com";

describe("OAuth2 CORS", () => {
  let env: OAuth2Env;
  let spa: OAuth2Env;

  beforeAll(async () => {
    env = await setupOAuth2();
    // A single-page app: public client, PKCE, at REDIRECT's origin.
    spa = await setupOAuth2({ deps: env.deps, settings: { client_type: "public" } });
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  const allowed = (res: Response, origin: string) => {
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("vary")).toMatch(/origin/i);
  };
  const refused = (res: Response) => {
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  };

  it("lets the SPA's origin redeem its code, refresh, read userinfo and revoke; other origins read nothing", async () => {
    const config = await discover(spa, oidc.None(), "");
    const browser = spa.browser();
    await login(browser);
    const { callback, verifier } = await authorizeCode(spa, config, browser);
    const code = callback.searchParams.get("code")!;
    // A foreign origin gets the tokens (CORS is the browser's check) but no header to read them by.
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: spa.clientId };
    const redeemed = await postForm(spa, "/application/o/token/", form, { Origin: APP });
    expect(redeemed.status).toBe(200);
    allowed(redeemed, APP);
    expect(redeemed.headers.get("cache-control")).toBe("no-store");
    const tokens = (await redeemed.json()) as { access_token: string; refresh_token: string };

    const refreshed = await postForm(spa, "/application/o/token/", { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: spa.clientId }, { Origin: EVIL });
    expect(refreshed.status).toBe(200);
    refused(refreshed);
    expect(refreshed.headers.get("vary")).toMatch(/origin/i);
    const fresh = (await refreshed.json()) as { access_token: string };

    const info = await spa.app.request(`${ORIGIN}/application/o/userinfo/`, { headers: { Authorization: `Bearer ${fresh.access_token}`, Origin: APP } }, spa.deps);
    expect(info.status).toBe(200);
    allowed(info, APP);
    expect(await info.json()).toMatchObject({ sub: expect.any(String) });
    const foreign = await spa.app.request(`${ORIGIN}/application/o/userinfo/`, { headers: { Authorization: `Bearer ${fresh.access_token}`, Origin: EVIL } }, spa.deps);
    expect(foreign.status).toBe(200);
    refused(foreign);
    // A bad token: the error is readable only where the token's client lives (here: nowhere).
    const forged = await spa.app.request(`${ORIGIN}/application/o/userinfo/`, { headers: { Authorization: "Bearer not-a-token", Origin: APP } }, spa.deps);
    expect(forged.status).toBe(401);
    refused(forged);

    const revoked = await postForm(spa, "/application/o/revoke/", { token: fresh.access_token, client_id: spa.clientId }, { Origin: APP });
    expect(revoked.status).toBe(200);
    allowed(revoked, APP);
    const after = await spa.app.request(`${ORIGIN}/application/o/userinfo/`, { headers: { Authorization: `Bearer ${fresh.access_token}`, Origin: APP } }, spa.deps);
    expect(after.status).toBe(401);

    // An error after the client is named: the app must be able to read invalid_grant.
    const replay = await postForm(spa, "/application/o/token/", form, { Origin: APP });
    expect(replay.status).toBe(400);
    allowed(replay, APP);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("confidential clients: the headers follow the named client, unknown clients get none", async () => {
    const cc = await postForm(env, "/application/o/token/", { grant_type: "client_credentials" }, { Authorization: basic(env.clientId, env.clientSecret), Origin: APP });
    expect(cc.status).toBe(200);
    allowed(cc, APP);
    const badSecret = await postForm(env, "/application/o/token/", { grant_type: "client_credentials" }, { Authorization: basic(env.clientId, "wrong"), Origin: APP });
    expect(badSecret.status).toBe(401);
    allowed(badSecret, APP); // authentik too: the provider is known, the app may read invalid_client
    const unknown = await postForm(env, "/application/o/token/", { grant_type: "client_credentials", client_id: "nobody", client_secret: "x" }, { Origin: APP });
    expect(unknown.status).toBe(401);
    refused(unknown);
    // No Origin (servers, CLI tools): no CORS headers at all.
    const plain = await postForm(env, "/application/o/token/", { grant_type: "client_credentials" }, { Authorization: basic(env.clientId, env.clientSecret) });
    expect(plain.status).toBe(200);
    refused(plain);
    expect(plain.headers.get("vary")).toBeNull();
  });

  it("answers preflights with the requested headers and the methods", async () => {
    for (const path of ["/application/o/token/", "/application/o/userinfo/", "/application/o/revoke/"]) {
      const res = await env.app.request(`${ORIGIN}${path}`, { method: "OPTIONS", headers: { Origin: APP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, dpop, content-type" } }, env.deps);
      expect(res.status).toBe(204);
      allowed(res, APP);
      expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
      expect(res.headers.get("access-control-allow-headers")).toBe("authorization, dpop, content-type");
    }
    const odd = await env.app.request(`${ORIGIN}/application/o/token/`, { method: "OPTIONS", headers: { Origin: APP, "Access-Control-Request-Headers": "a b;c" } }, env.deps);
    expect(odd.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("matches scheme, host and port exactly; regex redirect URIs count when their origin is literal", () => {
    const provider = (uris: { matching_mode: "strict" | "regex"; url: string }[]) => ({ settings: { redirect_uris: uris.map((u) => ({ ...u, redirect_uri_type: "authorization" })) } }) as unknown as OAuth2Provider;
    const strict = provider([{ matching_mode: "strict", url: "https://app.example.com:443/cb" }, { matching_mode: "strict", url: "http://localhost:3000/cb" }]);
    expect(originAllowed(strict, "https://app.example.com")).toBe(true);
    expect(originAllowed(strict, "http://localhost:3000")).toBe(true);
    for (const o of ["http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evil.com", "https://APP.example.com", "https://app.example.com/", "null", "http://localhost:3001", "http://localhost"]) {
      expect(originAllowed(strict, o), o).toBe(false);
    }
    const regex = provider([{ matching_mode: "regex", url: "https://app\\.example\\.com/.*" }, { matching_mode: "regex", url: "https://.*\\.example\\.org/cb" }]);
    expect(originAllowed(regex, "https://app.example.com")).toBe(true);
    expect(originAllowed(regex, "https://appxexample.com")).toBe(false);
    expect(originAllowed(regex, "https://a.example.org")).toBe(false); // a pattern in the host: not an origin
  });
});
