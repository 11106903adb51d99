/**
 * Device authorization grant (RFC 8628) in-process: openid-client 6 starts the grant; the token
 * endpoint's answers are checked raw (authorization_pending, slow_down, expired_token,
 * access_denied, invalid_grant) while a browser-like client confirms the code at `/device`.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBlueprint } from "../../src/adapters/postgres/blueprints.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { parseBlueprint } from "../../src/blueprints/parse.js";
import { DEVICE_CODE_GRANT } from "../../src/protocols/oauth2/device.js";
import { makeTestDeps } from "../support/app-deps.js";
import { seedFlow, type FlowClient } from "../support/flows.js";
import { discover, login, ORIGIN, postForm, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const poll = (env: OAuth2Env, deviceCode: string) => postForm(env, "/application/o/token/", { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: env.clientId });

async function enterCode(browser: FlowClient, code: string, csrf = true): Promise<Response> {
  await browser.request(`/device?code=${encodeURIComponent(code)}`);
  const body = new URLSearchParams({ code, ...(csrf ? { csrfmiddlewaretoken: browser.jar.get("authentik_csrf")! } : {}) });
  return browser.request("/device", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body.toString() });
}

describe("device authorization grant (in-process)", () => {
  let env: OAuth2Env;
  let config: oidc.Configuration;

  beforeAll(async () => {
    env = await setupOAuth2({ settings: { client_type: "public" } });
    config = await discover(env, oidc.None());
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("discovery lists every grant, response type and extension", () => {
    const meta = config.serverMetadata();
    expect(meta).toMatchObject({
      device_authorization_endpoint: `${ORIGIN}/application/o/device/`,
      pushed_authorization_request_endpoint: `${ORIGIN}/application/o/par/`,
      require_pushed_authorization_requests: false,
    });
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials", "implicit", DEVICE_CODE_GRANT]));
    expect(meta.response_types_supported).toEqual(["code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"]);
    expect(meta.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(["ES256", "RS256", "EdDSA"]));
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]));
    expect(meta.token_endpoint_auth_signing_alg_values_supported).toContain("ES256");
    expect(meta.registration_endpoint).toBeUndefined();
  });

  it("pending → slow_down → approved in the browser → tokens once", async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid email offline_access" });
    expect(started).toMatchObject({ verification_uri: `${ORIGIN}/device`, expires_in: 600, interval: 5 });
    expect(started.verification_uri_complete).toBe(`${ORIGIN}/device?code=${started.user_code}`);

    const first = await poll(env, started.device_code);
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: "authorization_pending" });
    expect(await (await poll(env, started.device_code)).json()).toMatchObject({ error: "slow_down" });

    const browser = env.browser();
    // Not logged in: the login flow first, with the way back to the code.
    const anonymous = await browser.request(`/device?code=${started.user_code}`);
    expect(anonymous.status).toBe(302);
    expect(new URL(anonymous.headers.get("location")!, ORIGIN).searchParams.get("next")).toBe(`/device?code=${started.user_code}`);
    await login(browser);
    // A typed code may differ in case and separators.
    const done = await enterCode(browser, started.user_code.toLowerCase().replace("-", " "));
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/device/complete");

    env.deps.clock.advance(5_000);
    const ok = await poll(env, started.device_code);
    expect(ok.status).toBe(200);
    const tokens = (await ok.json()) as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: "Bearer", scope: "openid email offline_access" });
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(config, tokens.access_token!, oidc.skipSubjectCheck);
    expect(info.email).toBe("alice@example.com");

    env.deps.clock.advance(5_000);
    expect(await (await poll(env, started.device_code)).json()).toMatchObject({ error: "invalid_grant" });
    // The user code is spent too.
    expect((await enterCode(browser, started.user_code)).status).toBe(400);
  });

  it("expired_token after expires_in; unknown codes and other clients' codes → invalid_grant", async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
    const other = await setupOAuth2({ deps: env.deps, settings: { client_type: "public" } });
    expect(await (await poll(other, started.device_code)).json()).toMatchObject({ error: "invalid_grant" });
    expect(await (await poll(env, "not-a-device-code")).json()).toMatchObject({ error: "invalid_grant" });
    env.deps.clock.advance(601_000);
    expect(await (await poll(env, started.device_code)).json()).toMatchObject({ error: "expired_token" });
    const browser = env.browser();
    await login(browser);
    expect((await enterCode(browser, started.user_code)).status).toBe(400);
  });

  it("a user the application's policies refuse: the page says so and the device gets access_denied", async () => {
    const locked = await setupOAuth2({ deps: env.deps, settings: { client_type: "public" } });
    const outsiders = await env.deps.store.groups.create({ name: "device-outsiders" });
    await env.deps.store.policies.bind({ targetPk: locked.applicationPk, groupPk: outsiders.pk, order: 0 });
    const cfg = await discover(locked, oidc.None());
    const started = await oidc.initiateDeviceAuthorization(cfg, { scope: "openid" });
    const browser = locked.browser();
    await login(browser);
    const res = await enterCode(browser, started.user_code);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/may not sign into/);
    expect(await (await poll(locked, started.device_code)).json()).toMatchObject({ error: "access_denied" });
  });

  it("the code form needs the CSRF token, and guessing is limited per client", async () => {
    env.deps.clock.advance(601_000); // earlier tests' wrong codes are out of the window
    const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
    const browser = env.browser();
    await login(browser);
    expect((await enterCode(browser, started.user_code, false)).status).toBe(403);
    for (let i = 0; i < 10; i++) expect((await enterCode(browser, "ZZZZ-ZZZZ")).status).toBe(400);
    // Even the right code is refused until the window passes.
    expect((await enterCode(browser, started.user_code)).status).toBe(429);
    env.deps.clock.advance(5_000);
    expect(await (await poll(env, started.device_code)).json()).toMatchObject({ error: "authorization_pending" });
  });

  it("device authorization needs a known client and well-formed parameters", async () => {
    const unknown = await postForm(env, "/application/o/device/", { client_id: "nope", scope: "openid" });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("www-authenticate")).toMatch(/^Basic/);
    const noScope = await postForm(env, "/application/o/device/", { client_id: env.clientId });
    expect(await noScope.json()).toMatchObject({ interval: 5, expires_in: 600 });
    const badResource = await postForm(env, "/application/o/device/", { client_id: env.clientId, resource: "not a uri" });
    expect(await badResource.json()).toMatchObject({ error: "invalid_target" });
  });

  it("runs the brand's device code flow (authentik flow_device_code) before the code is entered", async () => {
    const deps = await makeTestDeps();
    try {
      const branded = await setupOAuth2({ deps, settings: { client_type: "public" } });
      const { flow } = await seedFlow(deps, { slug: "device-notice", designation: "stage_configuration", authentication: "require_authenticated", stages: [{ type: "dummy" }] });
      const yaml = `version: 1
entries:
  - model: authentik_brands.brand
    identifiers: { domain: localhost }
    attrs: { default: true, flow_device_code: !Find [authentik_flows.flow, [slug, ${flow.slug}]] }
`;
      await applyBlueprint((deps.store as DrizzleStore).db, parseBlueprint(yaml));
      const cfg = await discover(branded, oidc.None());
      const started = await oidc.initiateDeviceAuthorization(cfg, { scope: "openid" });
      const browser = branded.browser();
      await login(browser);
      // Entering the code first sends the user through the brand's flow, keeping the code.
      const detour = await enterCode(browser, started.user_code);
      expect(detour.status).toBe(302);
      expect(detour.headers.get("location")).toBe(`/if/flow/${flow.slug}/`);
      expect((await browser.get(flow.slug)).body.component).toBe("ak-stage-dummy");
      const done = await browser.post(flow.slug, { component: "ak-stage-dummy" });
      expect(done.body).toMatchObject({ component: "xak-flow-redirect", to: `/device?code=${started.user_code}` });
      const approved = await enterCode(browser, started.user_code);
      expect(approved.headers.get("location")).toBe("/device/complete");
      branded.deps.clock.advance(5_000);
      expect((await poll(branded, started.device_code)).status).toBe(200);
    } finally {
      await deps.queue.drain();
      await deps.store.close();
    }
  });
});
