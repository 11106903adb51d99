/**
 * Back-channel logout (OIDC Back-Channel Logout 1.0) through the queue with retries, and
 * front-channel logout (OIDC Front-Channel Logout 1.0) iframes on the end-session page. The
 * back-channel receiver is a real local HTTP server; the logout token is verified with jose
 * against the provider's published JWKS.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrap } from "../../src/services/bootstrap.js";
import { seedAuthenticationFlow, seedFlow, type FlowClient } from "../support/flows.js";
import { authorizeCode, discover, login, PASSWORD, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import type { OAuth2Settings } from "../../src/protocols/oauth2/settings.js";

const FRONT = "https://front.example.com/logout";
const BCL_EVENT = "http://schemas.openid.net/event/backchannel-logout";

describe("back-channel and front-channel logout", () => {
  let receiver: WebhookReceiver;
  let back: OAuth2Env; // authentik fields: logout_uri + logout_method backchannel
  let front: OAuth2Env; // OIDC registration field: frontchannel_logout_uri
  let plain: OAuth2Env; // no logout URI
  let configs: Map<OAuth2Env, oidc.Configuration>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    back = await setupOAuth2({ settings: { logout_uri: receiver.url, logout_method: "backchannel" } as Partial<OAuth2Settings> });
    front = await setupOAuth2({ deps: back.deps, settings: { frontchannel_logout_uri: FRONT } as Partial<OAuth2Settings> });
    plain = await setupOAuth2({ deps: back.deps });
    configs = new Map(await Promise.all([back, front, plain].map(async (e) => [e, await discover(e)] as const)));
  });
  afterAll(async () => {
    await back.deps.queue.drain();
    await back.deps.store.close();
    await receiver.close();
  });

  /** Logs in (or reuses the session) and runs code + PKCE for `env`; returns its tokens. */
  async function signIn(env: OAuth2Env, browser: FlowClient) {
    const config = configs.get(env)!;
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser, "openid profile");
    return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
  }

  async function verifyLogoutToken(token: string) {
    const jwks = (await (await back.fetch(configs.get(back)!.serverMetadata().jwks_uri!, {})).json()) as JSONWebKeySet;
    return jwtVerify(token, createLocalJWKSet(jwks), { issuer: back.issuer, audience: back.clientId, typ: "logout+jwt", currentDate: back.deps.clock.now() });
  }

  it("end-session posts a signed logout token to the back-channel URI, retrying a failed delivery", async () => {
    const browser = back.browser();
    await login(browser);
    const tokens = await signIn(back, browser);
    await signIn(plain, browser);
    const idClaims = tokens.claims()!;
    expect(idClaims.sid).toMatch(/^[0-9a-f]{32}$/);

    receiver.respondWith([503]); // fails once, then 200
    const res = await browser.request(`/application/o/${back.slug}/end-session/?${new URLSearchParams({ id_token_hint: tokens.id_token! })}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/logged out/i);
    await back.deps.queue.drain();

    expect(receiver.received.map((r) => r.status)).toEqual([503, 200]);
    const accepted = receiver.accepted();
    expect(accepted).toHaveLength(1);
    const delivery = accepted[0]!;
    expect(delivery.method).toBe("POST");
    expect(delivery.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    const logoutToken = new URLSearchParams(delivery.body).get("logout_token")!;
    const { payload, protectedHeader } = await verifyLogoutToken(logoutToken);
    expect(protectedHeader.typ).toBe("logout+jwt");
    expect(payload).toMatchObject({ iss: back.issuer, aud: back.clientId, sub: idClaims.sub, sid: idClaims.sid, events: { [BCL_EVENT]: {} } });
    expect(payload.nonce).toBeUndefined();
    expect(typeof payload.jti).toBe("string");
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    // Each attempt is a freshly signed token (new jti), not a replay.
    const first = new URLSearchParams(receiver.received[0]!.body).get("logout_token")!;
    expect(decodeProtectedHeader(first).kid).toBe(protectedHeader.kid);
    expect(first).not.toBe(logoutToken);
  });

  it("renders front-channel iframes (iss, sid) and still reaches the registered post_logout_redirect_uri", async () => {
    receiver.respondWith([], 200);
    const before = receiver.received.length;
    const browser = front.browser();
    await login(browser);
    const frontTokens = await signIn(front, browser);
    const backTokens = await signIn(back, browser);
    const sid = frontTokens.claims()!.sid as string;
    expect(backTokens.claims()!.sid).toBe(sid);

    const q = new URLSearchParams({ id_token_hint: frontTokens.id_token!, post_logout_redirect_uri: REDIRECT, state: "bye" });
    const res = await browser.request(`/application/o/${front.slug}/end-session/?${q}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const frames = [...html.matchAll(/<iframe src="([^"]+)"/g)].map((m) => new URL(m[1]!.replaceAll("&#38;", "&")));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.origin + frames[0]!.pathname).toBe(FRONT);
    expect(frames[0]!.searchParams.get("iss")).toBe(front.issuer);
    expect(frames[0]!.searchParams.get("sid")).toBe(sid);
    expect(html).toContain(`content="5;url=${REDIRECT}?state=bye"`);
    expect(html).toContain(JSON.stringify(`${REDIRECT}?state=bye`));

    // The other client of the same session got its back-channel token.
    await back.deps.queue.drain();
    const fresh = receiver.received.slice(before);
    expect(fresh).toHaveLength(1);
    const { payload } = await verifyLogoutToken(new URLSearchParams(fresh[0]!.body).get("logout_token")!);
    expect(payload.sid).toBe(sid);
  });

  it("a session with only clients without logout URIs ends with a plain redirect and no deliveries", async () => {
    const before = receiver.received.length;
    const browser = plain.browser();
    await login(browser);
    const tokens = await signIn(plain, browser);
    const q = new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: REDIRECT });
    const res = await browser.request(`/application/o/${plain.slug}/end-session/?${q}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(REDIRECT);
    await plain.deps.queue.drain();
    expect(receiver.received.length).toBe(before);
  });

  /** The logout tokens delivered since `before`, verified, with their `sid`s. */
  async function deliveredSids(before: number): Promise<string[]> {
    await back.deps.queue.drain();
    const sids: string[] = [];
    for (const r of receiver.received.slice(before).filter((d) => d.status === 200)) {
      const { payload } = await verifyLogoutToken(new URLSearchParams(r.body).get("logout_token")!);
      sids.push(payload.sid as string);
    }
    return sids;
  }

  it("logging out through the invalidation flow (the portal's log out) tells back-channel clients too", async () => {
    receiver.respondWith([], 200);
    await seedFlow(back.deps, { slug: "bcl-logout", designation: "invalidation", stages: [{ type: "user_logout" }] });
    const browser = back.browser();
    await login(browser);
    const sid = (await signIn(back, browser)).claims()!.sid as string;
    const before = receiver.received.length;
    const out = await browser.get("bcl-logout");
    expect(out.body).toMatchObject({ component: "xak-flow-redirect" });
    expect(await deliveredSids(before)).toEqual([sid]);
  });

  it("revoking a session in the API (portal or admin) and a new login replacing a session tell them as well", async () => {
    receiver.respondWith([], 200);
    const ADMIN = "bcl-admin-token-".padEnd(48, "a");
    await bootstrap(back.deps, { password: "bootstrap-pass-1", token: ADMIN, email: "admin@example.com" });
    const browser = back.browser();
    await login(browser);
    const sid = (await signIn(back, browser)).claims()!.sid as string;
    const listed = (await (await back.app.request(`/api/v3/core/authenticated_sessions/?user=${back.user.pk}`, { headers: { Authorization: `Bearer ${ADMIN}` } }, back.deps)).json()) as { results: { uuid: string }[] };
    expect(listed.results.length).toBeGreaterThan(0);
    let before = receiver.received.length;
    for (const s of listed.results) {
      const res = await back.app.request(`/api/v3/core/authenticated_sessions/${s.uuid}/`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN}` } }, back.deps);
      expect(res.status).toBe(204);
    }
    expect(await deliveredSids(before)).toContain(sid);

    // Logging in again in a browser that still has a session ends the old one (new sid).
    const again = back.browser();
    await login(again);
    const oldSid = (await signIn(back, again)).claims()!.sid as string;
    before = receiver.received.length;
    await login(again);
    const newSid = (await signIn(back, again)).claims()!.sid as string;
    expect(newSid).not.toBe(oldSid);
    expect(await deliveredSids(before)).toEqual([oldSid]);
  });

  it("a login with terminate_other_sessions tells the clients of the sessions it ends", async () => {
    receiver.respondWith([], 200);
    await seedAuthenticationFlow(back.deps, { slug: "bcl-only-here", userLogin: { terminate_other_sessions: true } });
    const logInHere = async (browser: FlowClient) => {
      await browser.get("bcl-only-here");
      await browser.post("bcl-only-here", { component: "ak-stage-identification", uid_field: "alice" });
      const done = await browser.post("bcl-only-here", { component: "ak-stage-password", password: PASSWORD });
      expect(done.body).toMatchObject({ component: "xak-flow-redirect" });
    };
    const laptop = back.browser();
    await logInHere(laptop);
    const laptopSid = (await signIn(back, laptop)).claims()!.sid as string;
    const before = receiver.received.length;
    await logInHere(back.browser());
    expect(await deliveredSids(before)).toContain(laptopSid);
  });
});
