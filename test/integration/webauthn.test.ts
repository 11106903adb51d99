import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { createApp } from "../../src/app.js";
import type { StageContext } from "../../src/flows/stage.js";
import { webauthnValidator } from "../../src/flows/webauthn-validate.js";
import type { User } from "../../src/ports/store.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient, seedFlow, type SeededFlow } from "../support/flows.js";
import { SoftAuthenticator } from "../support/soft-authenticator.js";

const ORIGIN = "http://localhost"; // app.request() URLs are http://localhost/…
const SETUP = "webauthn-setup";
const PWL = "passkey-login";

describe("WebAuthn: registration, validation and passwordless login", () => {
  let deps: TestDeps;
  let alice: User;
  let bob: User;
  let pwl: SeededFlow;
  const app = createApp();
  const client = () => new FlowClient(app, () => deps);

  /** identification → password → authenticator_webauthn → user_login, as `username`. */
  async function startSetup(username: string): Promise<{ c: FlowClient; options: PublicKeyCredentialCreationOptionsJSON }> {
    const c = client();
    await c.get(SETUP);
    await c.post(SETUP, { component: "ak-stage-identification", uid_field: username });
    const reg = await c.post(SETUP, { component: "ak-stage-password", password: "pw" });
    expect(reg.body.component).toBe("ak-stage-authenticator-webauthn");
    return { c, options: reg.body.registration as PublicKeyCredentialCreationOptionsJSON };
  }

  async function register(username: string, soft: SoftAuthenticator): Promise<void> {
    const { c, options } = await startSetup(username);
    const done = await c.post(SETUP, { component: "ak-stage-authenticator-webauthn", response: await soft.register(options) });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
  }

  async function passkeyOptions(): Promise<{ c: FlowClient; options: PublicKeyCredentialRequestOptionsJSON }> {
    const c = client();
    const first = await c.get(PWL);
    expect(first.body.component).toBe("ak-stage-identification");
    return { c, options: first.body.passkey_challenge as PublicKeyCredentialRequestOptionsJSON };
  }

  beforeAll(async () => {
    deps = await makeTestDeps();
    const passwordHash = await deps.passwords.hash("pw");
    alice = await deps.store.users.create({ username: "alice", name: "Alice A.", email: "alice@example.com", passwordHash });
    bob = await deps.store.users.create({ username: "bob", email: "bob@example.com", passwordHash });
    await seedFlow(deps, {
      slug: SETUP,
      stages: [
        { type: "identification" },
        { type: "password" },
        { type: "authenticator_webauthn", config: { resident_key_requirement: "required", user_verification: "required" } },
        { type: "user_login", config: { session_duration: "seconds=0" } },
      ],
    });
    const validate = await deps.store.flows.createStage({ name: "pwl-validate", type: "authenticator_validate", config: {} });
    pwl = await seedFlow(deps, {
      slug: PWL,
      stages: [
        { type: "identification", config: { webauthn_stage: validate.pk } },
        { type: "password" },
        { type: "user_login", config: { session_duration: "seconds=0" } },
      ],
    });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  it("offers registration options for the pending user (RP id = host, challenge, selection)", async () => {
    const { options } = await startSetup("alice");
    expect(options.rp).toEqual({ id: "localhost", name: `Title of ${SETUP}` });
    expect(options.user.name).toBe("alice");
    expect(options.user.displayName).toBe("Alice A.");
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", requireResidentKey: true, userVerification: "required" });
    expect(options.attestation).toBe("none");
    expect(options.excludeCredentials).toEqual([]);
  });

  it("registers a passkey and stores it (credential id, key, counter, flags, transports)", async () => {
    const soft = new SoftAuthenticator(ORIGIN);
    await register("alice", soft);
    const [device] = await deps.store.webauthn.listByUser(alice.pk);
    expect(device).toMatchObject({
      credentialId: Buffer.from(soft.credentials[0]!.id).toString("base64url"),
      signCount: 0,
      rpId: "localhost",
      deviceType: "multiDevice",
      backedUp: true,
      aaguid: "00000000-0000-0000-0000-000000000000",
      name: "WebAuthn Device",
    });
    expect(device!.transports).toEqual(["internal", "hybrid"]);
    expect(device!.publicKey.length).toBeGreaterThan(40);
  });

  it("lists existing credentials in excludeCredentials; the same authenticator cannot register twice", async () => {
    const soft = new SoftAuthenticator(ORIGIN);
    await register("bob", soft);
    const { c, options } = await startSetup("bob");
    expect(options.excludeCredentials?.map((x) => x.id)).toEqual([Buffer.from(soft.credentials[0]!.id).toString("base64url")]);
    await expect(soft.register(options)).rejects.toThrow(/excluded/);
    // A client that ignores excludeCredentials and replays the first credential is refused.
    const other = new SoftAuthenticator(ORIGIN);
    const response = await other.register(options);
    const done = await c.post(SETUP, { component: "ak-stage-authenticator-webauthn", response });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    expect(await deps.store.webauthn.listByUser(bob.pk)).toHaveLength(2);
  });

  it("rejects registrations from another origin, for another RP id, or with a replayed challenge", async () => {
    const soft = new SoftAuthenticator(ORIGIN);
    for (const overrides of [{ origin: "https://evil.example" }, { rpId: "evil.example" }]) {
      const { c, options } = await startSetup("alice");
      const bad = await c.post(SETUP, { component: "ak-stage-authenticator-webauthn", response: await soft.register(options, overrides) });
      expect(bad.body).toMatchObject({ component: "ak-stage-authenticator-webauthn", response_errors: { non_field_errors: [{ code: "invalid" }] } });
      // The failed attempt burnt the challenge: the same options cannot be answered again.
      const retried = await c.post(SETUP, { component: "ak-stage-authenticator-webauthn", response: await soft.register(options) });
      expect(retried.body.response_errors).toBeDefined();
    }
    expect(await deps.store.webauthn.listByUser(alice.pk)).toHaveLength(1);
  });

  it("logs in passwordless with a passkey from the identification form (password skipped)", async () => {
    const soft = new SoftAuthenticator(ORIGIN);
    await register("alice", soft);
    const { c, options } = await passkeyOptions();
    expect(options.rpId).toBe("localhost");
    expect(options.userVerification).toBe("required");
    expect(options.allowCredentials ?? []).toEqual([]);
    const done = await c.post(PWL, { component: "ak-stage-identification", passkey: await soft.authenticate(options) });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    const [login] = await deps.store.events.list({ limit: 1, action: "login" });
    expect(login?.context).toMatchObject({ auth_method: "auth_webauthn_pwl" });
    expect(login?.user).toMatchObject({ username: "alice" });
    const device = await deps.store.webauthn.byCredentialId(Buffer.from(soft.credentials[0]!.id).toString("base64url"));
    expect(device?.signCount).toBe(1);
    expect(device?.lastUsed).not.toBeNull();
  });

  it("does not offer passkeys without webauthn_stage", async () => {
    const c = client();
    const first = await c.get(SETUP);
    expect(first.body.passkey_challenge).toBeUndefined();
    const bad = await c.post(SETUP, { component: "ak-stage-identification", passkey: { id: "x" } });
    expect(bad.body.response_errors).toEqual({ non_field_errors: [{ string: "Failed to authenticate.", code: "invalid" }] });
  });

  it("rejects replayed, foreign-origin, wrong-RP and counter-regressing assertions", async () => {
    const soft = new SoftAuthenticator(ORIGIN);
    await register("alice", soft);
    const failed = (body: Record<string, unknown>) =>
      expect(body).toMatchObject({ component: "ak-stage-identification", response_errors: { non_field_errors: [{ string: "Assertion failed" }] } });

    // A good assertion, then the same one again: the challenge is gone.
    const first = await passkeyOptions();
    const assertion = await soft.authenticate(first.options);
    expect((await first.c.post(PWL, { component: "ak-stage-identification", passkey: assertion })).body.component).toBe("xak-flow-redirect");
    const replay = await passkeyOptions();
    failed((await replay.c.post(PWL, { component: "ak-stage-identification", passkey: assertion })).body);

    const origin = await passkeyOptions();
    failed((await origin.c.post(PWL, { component: "ak-stage-identification", passkey: await soft.authenticate(origin.options, { origin: "https://evil.example" }) })).body);

    const rp = await passkeyOptions();
    failed((await rp.c.post(PWL, { component: "ak-stage-identification", passkey: await soft.authenticate(rp.options, { rpId: "evil.example" }) })).body);

    const cloned = await passkeyOptions();
    failed((await cloned.c.post(PWL, { component: "ak-stage-identification", passkey: await soft.authenticate(cloned.options, { signCount: 1 }) })).body);
    const device = await deps.store.webauthn.byCredentialId(Buffer.from(soft.credentials[0]!.id).toString("base64url"));
    expect(device?.signCount).toBe(1); // only the first (good) assertion counted

    const events = await deps.store.events.list({ limit: 20, action: "login_failed" });
    expect(events.length).toBeGreaterThanOrEqual(4);
  });

  it("rejects an unknown credential and keeps the repository's counter monotonic", async () => {
    const { c, options } = await passkeyOptions();
    const stranger = new SoftAuthenticator(ORIGIN);
    await stranger.register({ ...(await startSetup("bob")).options }); // never submitted
    const res = await c.post(PWL, { component: "ak-stage-identification", passkey: await stranger.authenticate(options) });
    expect(res.body.response_errors).toEqual({ non_field_errors: [{ string: "Invalid device", code: "invalid" }] });

    const [device] = await deps.store.webauthn.listByUser(bob.pk);
    const at = new Date();
    expect(await deps.store.webauthn.recordUse(device!.pk, device!.signCount + 5, at)).toBe(true);
    expect(await deps.store.webauthn.recordUse(device!.pk, device!.signCount + 5, at)).toBe(false);
    expect(await deps.store.webauthn.recordUse(device!.pk, device!.signCount + 4, at)).toBe(false);
  });

  it("passes authenticator_validate with a security key through the executor", async () => {
    await seedFlow(deps, {
      slug: "mfa-login",
      stages: [
        { type: "identification" },
        { type: "password" },
        { type: "authenticator_validate", config: { device_classes: ["webauthn"], not_configured_action: "deny" } },
        { type: "user_login", config: { session_duration: "seconds=0" } },
      ],
    });
    const soft = new SoftAuthenticator(ORIGIN);
    await register("alice", soft);
    const c = client();
    await c.get("mfa-login");
    await c.post("mfa-login", { component: "ak-stage-identification", uid_field: "alice" });
    const mfa = await c.post("mfa-login", { component: "ak-stage-password", password: "pw" });
    expect(mfa.body.component).toBe("ak-stage-authenticator-validate");
    const webauthn = (mfa.body.device_challenges as { device_class: string; challenge: PublicKeyCredentialRequestOptionsJSON }[]).find((d) => d.device_class === "webauthn")!;
    const mine = (await deps.store.webauthn.listByUser(alice.pk)).map((d) => d.credentialId);
    expect(webauthn.challenge.allowCredentials?.map((x) => x.id)).toEqual(mine);
    const wrong = await c.post("mfa-login", { component: "ak-stage-authenticator-validate", webauthn: await soft.authenticate(webauthn.challenge, { origin: "https://evil.example" }) });
    expect(wrong.body.component).toBe("ak-stage-authenticator-validate");
    expect(wrong.body.response_errors).toBeDefined();
    const again = (wrong.body.device_challenges as { device_class: string; challenge: PublicKeyCredentialRequestOptionsJSON }[]).find((d) => d.device_class === "webauthn")!;
    const done = await c.post("mfa-login", { component: "ak-stage-authenticator-validate", webauthn: await soft.authenticate(again.challenge) });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
  });

  describe("the webauthn device class for authenticator_validate", () => {
    async function stageContext(user: User): Promise<StageContext<unknown>> {
      const stage = pwl.stages[1]!; // any stage of the flow: challenges are bound to flow + stage + user
      return {
        deps,
        flow: pwl.flow,
        stage,
        config: {},
        binding: { bindingPk: "b", stagePk: stage.pk, stageType: stage.type, order: 20, reEvaluatePolicies: false, invalidResponseAction: "retry" },
        plan: { v: 1, flowPk: pwl.flow.pk, flowSlug: pwl.flow.slug, bindings: [], index: 0, checkedIndex: 0, context: { pending_user: user.pk } },
        request: { ip: "192.0.2.1", userAgent: null, host: "localhost", path: "/", method: "POST" },
        session: { login: async () => {}, logout: async () => {}, user: async () => null, carryContext: async () => {} },
        pendingUser: async () => user,
      };
    }

    it("challenges with the user's credentials and verifies the assertion", async () => {
      const soft = new SoftAuthenticator(ORIGIN);
      await register("bob", soft);
      const ctx = await stageContext(bob);
      const options = await webauthnValidator.challenge(ctx, bob, "preferred");
      const mine = (await webauthnValidator.devices(ctx, bob)).map((d) => d.credentialId);
      expect(options.allowCredentials?.map((c) => c.id)).toEqual(mine);
      const ok = await webauthnValidator.validate(ctx, bob, await soft.authenticate(options), "preferred");
      expect(ok).toMatchObject({ ok: true, user: { pk: bob.pk } });

      // Another user's credential is not accepted for bob; nor is a replay.
      const aliceKey = new SoftAuthenticator(ORIGIN);
      await register("alice", aliceKey);
      const again = await webauthnValidator.challenge(ctx, bob, "preferred");
      const foreign = await aliceKey.authenticate({ ...again, allowCredentials: [] });
      expect(await webauthnValidator.validate(ctx, bob, foreign)).toEqual({ ok: false, message: "Invalid device" });
      const replay = await webauthnValidator.validate(ctx, bob, await soft.authenticate(options));
      expect(replay).toEqual({ ok: false, message: "Assertion failed" });

      // A challenge issued for bob cannot be answered as alice.
      const forBob = await webauthnValidator.challenge(ctx, bob);
      const asAlice = await webauthnValidator.validate(await stageContext(alice), alice, await aliceKey.authenticate({ ...forBob, allowCredentials: [] }));
      expect(asAlice).toEqual({ ok: false, message: "Assertion failed" });
    });

    it("requires user verification when configured", async () => {
      const soft = new SoftAuthenticator(ORIGIN);
      await register("bob", soft);
      const ctx = await stageContext(bob);
      const options = await webauthnValidator.challenge(ctx, bob, "required");
      const res = await webauthnValidator.validate(ctx, bob, await soft.authenticate(options, { credentialId: Buffer.from(soft.credentials[0]!.id).toString("base64url"), userVerified: false }), "required");
      expect(res).toEqual({ ok: false, message: "Assertion failed" });
    });
  });
});
