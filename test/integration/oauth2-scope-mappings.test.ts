/**
 * OIDC scope mappings as CEL (authentik's `ScopeMapping`) and `amr` from the actual login, seen
 * through openid-client 6: a custom scope's claims reach the ID token and userinfo, a failing
 * mapping is logged and its claims left out, the consent page shows the mapping's description,
 * `entitlements` come from the application's group bindings, blueprints with
 * `authentik_providers_oauth2.scopemapping` entries apply, and `amr` is `pwd` after a password
 * login and `pwd otp mfa` after password + TOTP.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { parseBlueprint } from "../../src/blueprints/parse.js";
import { applyBlueprint } from "../../src/adapters/postgres/blueprints.js";
import { newTotpSecret, totpCode, TOTP_KEY_CONTEXT } from "../../src/flows/mfa.js";
import { amrOf } from "../../src/protocols/oauth2/claims.js";
import { DEFAULT_SCOPE_MAPPINGS } from "../../src/protocols/oauth2/settings.js";
import type { FlowClient } from "../support/flows.js";
import { seedMfaLoginFlow, PASSWORD as MFA_PASSWORD } from "../support/mfa.js";
import { authorizeCode, discover, login, ORIGIN, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const DEPARTMENT = {
  name: "test/department",
  scope_name: "department",
  description: "Your department and staff status",
  expression: `{"department": "department" in request.user.attributes ? request.user.attributes.department : null, "is_staff": ak_is_group_member("staff"), "app": request.context.application.slug}`,
};
const BROKEN = {
  name: "test/broken",
  scope_name: "department",
  description: "",
  expression: `{"secret_thing": request.user.attributes.no_such_key}`,
};

async function loginAs(browser: FlowClient, username: string, password: string): Promise<void> {
  const slug = "default-authentication-flow";
  await browser.get(slug);
  await browser.post(slug, { component: "ak-stage-identification", uid_field: username });
  const done = await browser.post(slug, { component: "ak-stage-password", password });
  if (done.body.component !== "xak-flow-redirect") throw new Error(`login failed: ${JSON.stringify(done.body)}`);
}

describe("OIDC scope mappings (CEL) and amr", () => {
  let env: OAuth2Env;
  let config: oidc.Configuration;

  beforeAll(async () => {
    env = await setupOAuth2({
      settings: { property_mappings: [...DEFAULT_SCOPE_MAPPINGS, "goauthentik.io/providers/oauth2/scope-entitlements", DEPARTMENT, BROKEN] },
    });
    await env.deps.store.users.create({
      username: "dora",
      name: "Dora D",
      email: "dora@example.com",
      emailVerified: false,
      attributes: { department: "R&D" },
      passwordHash: await env.deps.passwords.hash("dora's password"),
    });
    config = await discover(env);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("offers the custom scope; its CEL claims reach the ID token and userinfo; the failing mapping is logged and omitted", async () => {
    expect(config.serverMetadata().scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile", "entitlements", "department"]));
    const browser = env.browser();
    await loginAs(browser, "dora", "dora's password");
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser, "openid email department");
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ department: "R&D", is_staff: false, app: env.slug, email: "dora@example.com", email_verified: false });
    expect(claims).not.toHaveProperty("secret_thing");
    expect(claims).not.toHaveProperty("preferred_username"); // profile not granted
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, department: "R&D", is_staff: false, email: "dora@example.com" });
    expect(info).not.toHaveProperty("secret_thing");

    const failures = env.deps.logLines.filter((l) => l.includes("oauth2 scope mapping failed")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failures.length).toBeGreaterThanOrEqual(2); // ID token and userinfo
    expect(failures[0]).toMatchObject({ mapping: "test/broken" });
    expect(failures.every((f) => !JSON.stringify(f).includes("R&D") && !JSON.stringify(f).includes("dora@example.com"))).toBe(true);
  });

  it("keeps authentik's default claims; staff membership through a nested group counts; entitlements from the application's group bindings", async () => {
    // alice is in engineers (child of staff). Binding engineers to the application makes it an entitlement.
    await env.deps.store.policies.bind({ targetPk: env.applicationPk, groupPk: env.groups.child.pk, order: 0 });
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser, "openid email profile entitlements department");
    const claims = (await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state })).claims()!;
    expect(claims).toMatchObject({
      email: "alice@example.com",
      email_verified: true,
      name: "Alice A",
      given_name: "Alice A",
      preferred_username: "alice",
      nickname: "alice",
      entitlements: ["engineers"],
      is_staff: true,
      department: null,
    });
    expect([...(claims.groups as string[])].sort()).toEqual(["engineers", "staff"]);
    // Registered claims are the token's own.
    expect(claims.iss).toBe(env.issuer);
  });

  it("lists each scope's mapping description on the consent page", async () => {
    const consentEnv = await setupOAuth2({ consent: "explicit", deps: env.deps, settings: { property_mappings: [...DEFAULT_SCOPE_MAPPINGS, DEPARTMENT] } });
    const consentConfig = await discover(consentEnv);
    const browser = consentEnv.browser();
    await login(browser);
    const url = oidc.buildAuthorizationUrl(consentConfig, {
      redirect_uri: REDIRECT,
      scope: "openid email department",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const res = await browser.request(url.pathname + url.search);
    const flowSlug = new URL(res.headers.get("location")!, ORIGIN).pathname.split("/")[3]!;
    const challenge = await browser.get(flowSlug);
    expect(challenge.body).toMatchObject({
      component: "ak-stage-consent",
      permissions: [
        { id: "openid", name: "openid" },
        { id: "email", name: "Email address" },
        { id: "department", name: "Your department and staff status" },
      ],
    });
  });

  it("applies a blueprint with an authentik_providers_oauth2.scopemapping referenced by !KeyOf, and its later update", async () => {
    const provider = await env.deps.store.oauth2.providerByPk(env.providerPk);
    const flowSlug = (await env.deps.store.flows.byPk(provider!.authorizationFlowPk!))!.slug;
    const yaml = (expression: string) =>
      [
        "version: 1",
        "entries:",
        "  - model: authentik_providers_oauth2.scopemapping",
        "    id: bp-mapping",
        "    identifiers: { name: bp-team }",
        `    attrs: { scope_name: team, description: Your team, expression: '${expression}' }`,
        "  - model: authentik_providers_oauth2.oauth2provider",
        "    id: bp-provider",
        "    identifiers: { name: bp-oidc }",
        "    attrs:",
        `      authorization_flow: !Find [authentik_flows.flow, [slug, ${flowSlug}]]`,
        "      client_type: public",
        "      client_id: bp-client",
        `      redirect_uris: [{ matching_mode: strict, url: "${REDIRECT}" }]`,
        "      property_mappings:",
        "        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-openid]]",
        "        - !Find [authentik_providers_oauth2.scopemapping, [scope_name, profile]]",
        "        - !KeyOf bp-mapping",
        "  - model: authentik_core.application",
        "    identifiers: { slug: bp-oidc }",
        "    attrs: { name: Blueprint OIDC, provider: !KeyOf bp-provider }",
      ].join("\n");
    const db = (env.deps.store as DrizzleStore).db;
    const first = await applyBlueprint(db, parseBlueprint(yaml(`{"team": "blue-" + request.user.username}`)));
    expect(first.skipped).toEqual([]);
    const bpEnv: OAuth2Env = { ...env, slug: "bp-oidc", issuer: `${ORIGIN}/application/o/bp-oidc/`, clientId: "bp-client", clientSecret: "" };
    const bpConfig = await discover(bpEnv, oidc.None());
    expect(bpConfig.serverMetadata().scopes_supported).toEqual(["openid", "profile", "team"]);
    const browser = env.browser();
    await login(browser);
    const run = async () => {
      const { callback, verifier, nonce, state } = await authorizeCode(bpEnv, bpConfig, browser, "openid profile team");
      return (await oidc.authorizationCodeGrant(bpConfig, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state })).claims()!;
    };
    expect(await run()).toMatchObject({ team: "blue-alice", preferred_username: "alice" });

    // Re-applied with a new expression: the provider's inline copy follows.
    const second = await applyBlueprint(db, parseBlueprint(yaml(`{"team": "green-" + request.user.username}`)));
    expect(second.updated).toBeGreaterThanOrEqual(1);
    expect(await run()).toMatchObject({ team: "green-alice" });

    // A Python expression (authentik's language) is refused with the reason, nothing applied.
    await expect(applyBlueprint(db, parseBlueprint(yaml(`return {"team": "x"}`)))).rejects.toThrow(/expression/);
    expect(await run()).toMatchObject({ team: "green-alice" });
  });

  it("amr says pwd after a password login and pwd + otp + mfa after password + TOTP", async () => {
    const browser = env.browser();
    await login(browser);
    const pwd = await authorizeCode(env, config, browser, "openid offline_access");
    const t1 = await oidc.authorizationCodeGrant(config, pwd.callback, { pkceCodeVerifier: pwd.verifier, expectedNonce: pwd.nonce, expectedState: pwd.state });
    expect(t1.claims()!.amr).toEqual(["pwd"]);
    // Refreshed ID tokens describe the same login.
    expect((await oidc.refreshTokenGrant(config, t1.refresh_token!)).claims()!.amr).toEqual(["pwd"]);

    const { deps } = env;
    const bob = await deps.store.users.create({ username: "bob", name: "Bob B", email: "bob@example.com", emailVerified: true, passwordHash: await deps.passwords.hash(MFA_PASSWORD) });
    await deps.store.groups.addMember(env.groups.child.pk, bob.pk); // the application is bound to engineers (above)
    const secret = newTotpSecret(deps);
    await deps.store.devices.createTotp({ userPk: bob.pk, name: "phone", keyWrapped: await deps.keys.wrap(secret, TOTP_KEY_CONTEXT), confirmed: true });
    await seedMfaLoginFlow(deps, "mfa-login");
    const mfa = env.browser();
    await mfa.get("mfa-login");
    await mfa.post("mfa-login", { component: "ak-stage-identification", uid_field: "bob" });
    const challenge = await mfa.post("mfa-login", { component: "ak-stage-password", password: MFA_PASSWORD });
    expect(challenge.body.component).toBe("ak-stage-authenticator-validate");
    const done = await mfa.post("mfa-login", { component: "ak-stage-authenticator-validate", code: await totpCode(secret, deps.clock.now()) });
    expect(done.body.component).toBe("xak-flow-redirect");
    const both = await authorizeCode(env, config, mfa, "openid");
    const t2 = await oidc.authorizationCodeGrant(config, both.callback, { pkceCodeVerifier: both.verifier, expectedNonce: both.nonce, expectedState: both.state });
    expect(t2.claims()!.amr).toEqual(["pwd", "otp", "mfa"]);
  });
});

describe("amr from the login's auth_method and auth_method_args (as the flow stages record them)", () => {
  const device = (model_name: string) => ({ app: "x", model_name, pk: 1, name: "d" });
  it.each([
    ["password", {}, ["pwd"]],
    ["password", { mfa_devices: [device("staticdevice")] }, ["pwd", "otp", "mfa"]],
    ["password", { mfa_devices: [device("webauthndevice")] }, ["pwd", "hwk", "mfa"]],
    // authenticator_validate without a password first (identification → validate).
    ["auth_mfa", { mfa_devices: [device("totpdevice")] }, ["otp"]],
    ["auth_webauthn_pwl", { device: { pk: "c1", name: "key" }, device_class: "webauthn" }, ["user"]],
    [null, {}, undefined],
  ])("%s %j → %j", (method, args, amr) => {
    expect(amrOf(method, args)).toEqual(amr);
  });
});
