/**
 * OIDC Core §3.1.2.1 `login_hint`: a logged-out user sent to log in finds the identification
 * stage pre-filled (authentik's `pending_user_identifier`), in the executor's challenge JSON and
 * on the server-rendered page; logging in then completes the authorization as usual.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover, follow, ORIGIN, PASSWORD, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("login_hint", () => {
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

  const authorizeUrl = async (extra: Record<string, string>) =>
    oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      state: "st",
      ...extra,
    });

  it("pre-fills the identification stage, then the login completes the authorization", async () => {
    const browser = env.browser();
    const url = await authorizeUrl({ login_hint: "alice@example.com" });
    const res = await browser.request(url.pathname + url.search);
    expect(res.status).toBe(302);
    const loginPage = new URL(res.headers.get("location")!, ORIGIN);
    expect(loginPage.pathname).toBe("/if/flow/default-authentication-flow/");
    expect(loginPage.searchParams.get("login_hint")).toBe("alice@example.com");

    // The server-rendered page shows it in the username field …
    const html = await (await browser.request(loginPage.pathname + loginPage.search)).text();
    expect(html).toMatch(/<input id="f-uid_field" name="uid_field"[^>]*value="alice@example.com"/);
    // … and the executor's challenge carries it (authentik's IdentificationChallenge field).
    const query = loginPage.searchParams.toString();
    const challenge = await browser.get("default-authentication-flow", query);
    expect(challenge.body).toMatchObject({ component: "ak-stage-identification", pending_user_identifier: "alice@example.com" });

    await browser.post("default-authentication-flow", { component: "ak-stage-identification", uid_field: "alice@example.com" }, { query });
    const done = await browser.post("default-authentication-flow", { component: "ak-stage-password", password: PASSWORD }, { query });
    expect(done.body).toMatchObject({ component: "xak-flow-redirect" });
    const back = new URL(String(done.body.to), ORIGIN);
    const { url: callback } = await follow(browser, back.pathname + back.search);
    expect(callback?.searchParams.get("code")).toBeTruthy();
    expect(callback?.searchParams.get("state")).toBe("st");
  });

  it("ignores hints that are repeated or carry control characters", async () => {
    const browser = env.browser();
    for (const bad of ["a\u0000b", "x".repeat(300)]) {
      const url = await authorizeUrl({ login_hint: bad });
      const res = await browser.request(url.pathname + url.search);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get("location")!, ORIGIN).searchParams.has("login_hint")).toBe(false);
    }
  });
});
