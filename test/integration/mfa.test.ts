import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { totpQrSvg } from "../../src/flows/stages/authenticator-totp.js";
import { validateCode } from "../../src/flows/mfa.js";
import type { User } from "../../src/ports/store.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient } from "../support/flows.js";
import { codeFor, errorsOf, parseOtpauth, PASSWORD, passwordStep, seedEnrolmentFlow, seedMfaLoginFlow } from "../support/mfa.js";

const REDIRECT = { component: "xak-flow-redirect", to: "/if/user/" };

describe("MFA: devices, enrolment and authenticator_validate over the executor API", () => {
  let deps: TestDeps;
  const app = createApp();
  const getDeps = () => deps;
  let totpUri = "";
  let recoveryCodes: string[] = [];
  const users: Record<string, User> = {};

  const makeUser = async (username: string, email = `${username}@example.com`) => {
    users[username] = await deps.store.users.create({ username, email, passwordHash: await deps.passwords.hash(PASSWORD) });
    return users[username]!;
  };

  beforeAll(async () => {
    deps = await makeTestDeps();
    await seedMfaLoginFlow(deps, "mfa-login");
    await seedEnrolmentFlow(deps, "totp-setup", "authenticator_totp", { digits: 6 });
    await seedEnrolmentFlow(deps, "static-setup", "authenticator_static", { token_count: 6, token_length: 12 });
    await seedEnrolmentFlow(deps, "email-setup", "authenticator_email", { token_expiry: "minutes=5" });
    for (const name of ["nodevice", "tina", "sam", "emma"]) await makeUser(name);
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  it("skips authenticator_validate for a user without devices (not_configured_action skip)", async () => {
    const { reply } = await passwordStep(app, getDeps, "mfa-login", "nodevice");
    expect(reply.body).toEqual(REDIRECT);
  });

  it("enrols TOTP: config_url → code from an authenticator app → confirmed; the seed is stored wrapped", async () => {
    const { client, reply } = await passwordStep(app, getDeps, "totp-setup", "tina");
    expect(reply.body.component).toBe("ak-stage-authenticator-totp");
    totpUri = reply.body.config_url as string;
    const p = parseOtpauth(totpUri);
    expect(totpUri).toMatch(/^otpauth:\/\/totp\//);
    expect(p.label).toContain("tina");
    expect(p.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpQrSvg(totpUri)).toMatch(/^<svg[\s\S]*<\/svg>$/);

    // A reload shows the same device.
    expect((await client.get("totp-setup")).body.config_url).toBe(totpUri);
    // Not usable before it is confirmed.
    expect(await deps.store.devices.devicesOf(users.tina!.pk)).toEqual([]);

    const wrong = await client.post("totp-setup", { component: "ak-stage-authenticator-totp", code: "000000" });
    expect(errorsOf(wrong)?.code?.[0]?.string).toBe("Code does not match");

    const done = await client.post("totp-setup", { component: "ak-stage-authenticator-totp", code: await codeFor(totpUri, deps.clock.now()) });
    expect(done.body).toEqual(REDIRECT);
    const [device] = await deps.store.devices.totpOf(users.tina!.pk);
    expect(device?.confirmed).toBe(true);
    expect(device!.keyWrapped).toMatch(/^v1\./);
    expect(device!.keyWrapped).not.toContain(p.secret);
    expect(JSON.stringify(device)).not.toContain(p.secret);
    expect(await deps.keys.unwrapText(device!.keyWrapped, "totp.seed")).toBe(p.secret);
  });

  it("logs in with password + TOTP; a code is accepted once (replay); a wrong code → response_errors + login_failed", async () => {
    const { client, reply } = await passwordStep(app, getDeps, "mfa-login", "tina");
    expect(reply.body).toMatchObject({
      component: "ak-stage-authenticator-validate",
      device_challenges: [{ device_class: "totp", challenge: {} }],
      configuration_stages: [],
      pending_user: "tina",
    });
    // The enrolment already spent this time step's code.
    const replay = await client.post("mfa-login", { component: "ak-stage-authenticator-validate", code: await codeFor(totpUri, deps.clock.now()) });
    expect(errorsOf(replay)?.code?.[0]).toEqual({ string: "Invalid Token", code: "invalid" });

    const wrong = await client.post("mfa-login", { component: "ak-stage-authenticator-validate", code: "123456" });
    expect(errorsOf(wrong)?.code).toBeDefined();
    const failed = await deps.store.events.list({ limit: 1, action: "login_failed" });
    expect(failed[0]?.context).toMatchObject({ username: "tina", device_class: "totp", stage: { type: "authenticator_validate" } });
    expect(JSON.stringify(failed[0])).not.toContain("123456");

    deps.clock.advance(30_000);
    const code = await codeFor(totpUri, deps.clock.now());
    const done = await client.post("mfa-login", { component: "ak-stage-authenticator-validate", code });
    expect(done.body).toEqual(REDIRECT);
    const login = await deps.store.events.list({ limit: 1, action: "login" });
    // authentik `setdefault`s the method: the password stays the method, the device is added.
    expect(login[0]?.context).toMatchObject({ auth_method: "password" });
    expect(JSON.stringify(login[0]?.context)).toContain("totpdevice");

    // The same code again, in another login: rejected.
    const again = await passwordStep(app, getDeps, "mfa-login", "tina", { "User-Agent": "other" });
    const replayed = await again.client.post("mfa-login", { component: "ak-stage-authenticator-validate", code });
    expect(errorsOf(replayed)?.code?.[0]?.string).toBe("Invalid Token");
    expect(await validateCode(deps, users.tina!, code)).toBeNull();
  });

  it("enrols recovery codes (same codes on reload), logs in with one, refuses its reuse", async () => {
    const { client, reply } = await passwordStep(app, getDeps, "static-setup", "sam");
    expect(reply.body.component).toBe("ak-stage-authenticator-static");
    recoveryCodes = reply.body.codes as string[];
    expect(recoveryCodes).toHaveLength(6);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-7]{12}$/);
    expect((await client.get("static-setup")).body.codes).toEqual(recoveryCodes);
    const done = await client.post("static-setup", { component: "ak-stage-authenticator-static" });
    expect(done.body).toEqual(REDIRECT);
    const [device] = await deps.store.devices.devicesOf(users.sam!.pk);
    expect(device?.deviceClass).toBe("static");
    expect(await deps.store.devices.staticTokenCount(device!.pk)).toBe(6);

    const login = await passwordStep(app, getDeps, "mfa-login", "sam");
    expect(login.reply.body.device_challenges).toMatchObject([{ device_class: "static" }]);
    const ok = await login.client.post("mfa-login", { component: "ak-stage-authenticator-validate", code: recoveryCodes[0] });
    expect(ok.body).toEqual(REDIRECT);
    expect(await deps.store.devices.staticTokenCount(device!.pk)).toBe(5);

    const reuse = await passwordStep(app, getDeps, "mfa-login", "sam", { "User-Agent": "reuse" });
    const refused = await reuse.client.post("mfa-login", { component: "ak-stage-authenticator-validate", code: recoveryCodes[0] });
    expect(errorsOf(refused)?.code?.[0]?.string).toBe("Invalid Token");
  });

  it("spends a recovery code exactly once under concurrency", async () => {
    const code = recoveryCodes[1]!;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => deps.store.devices.consumeStaticToken(users.sam!.pk, code, deps.clock.now())),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const both = await Promise.all([validateCode(deps, users.sam!, recoveryCodes[2]!), validateCode(deps, users.sam!, recoveryCodes[2]!)]);
    expect(both.filter((r) => r !== null)).toHaveLength(1);
  });

  it("enrols an email device with a mailed code, then validates a login with a new mailed code", async () => {
    const mailer = deps.mailer as unknown as { sent: { to: string; text: string }[] };
    const before = mailer.sent.length;
    const { client, reply } = await passwordStep(app, getDeps, "email-setup", "emma");
    expect(reply.body).toMatchObject({ component: "ak-stage-authenticator-email", email: "e***@example.com", email_required: false });
    expect(mailer.sent).toHaveLength(before + 1);
    const mail = mailer.sent.at(-1)!;
    expect(mail.to).toBe("emma@example.com");
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const wrong = await client.post("email-setup", { component: "ak-stage-authenticator-email", code: code === "000000" ? "111111" : "000000" });
    expect(errorsOf(wrong)?.code?.[0]?.string).toBe("Code does not match");
    expect((await client.post("email-setup", { component: "ak-stage-authenticator-email", code })).body).toEqual(REDIRECT);

    const login = await passwordStep(app, getDeps, "mfa-login", "emma");
    const [challenge] = login.reply.body.device_challenges as { device_class: string; device_uid: string; challenge: { email: string } }[];
    expect(challenge).toMatchObject({ device_class: "email", challenge: { email: "e***@example.com" } });
    const selected = await login.client.post("mfa-login", { component: "ak-stage-authenticator-validate", selected_challenge: challenge });
    expect(selected.body.component).toBe("ak-stage-authenticator-validate");
    const loginCode = /\b(\d{6})\b/.exec(mailer.sent.at(-1)!.text)![1]!;
    const done = await login.client.post("mfa-login", { component: "ak-stage-authenticator-validate", code: loginCode, selected_challenge: challenge });
    expect(done.body).toEqual(REDIRECT);
    // Single use.
    expect(await deps.store.devices.consumeEmailToken(Number(challenge!.device_uid), loginCode, deps.clock.now())).toBe(false);
  });

  it("not_configured_action deny refuses a user without devices; configure inserts the configuration stage", async () => {
    await seedMfaLoginFlow(deps, "mfa-deny", { not_configured_action: "deny" });
    await makeUser("dora");
    const denied = await passwordStep(app, getDeps, "mfa-deny", "dora");
    expect(denied.reply.body.component).toBe("ak-stage-access-denied");

    const totpStage = await deps.store.flows.createStage({ name: "cfg-totp", type: "authenticator_totp", config: {} });
    const staticStage = await deps.store.flows.createStage({ name: "cfg-static", type: "authenticator_static", config: {} });
    await seedMfaLoginFlow(deps, "mfa-configure", { not_configured_action: "configure", configuration_stages: [totpStage.pk] });
    const one = await passwordStep(app, getDeps, "mfa-configure", "dora");
    expect(one.reply.body.component).toBe("ak-stage-authenticator-totp");
    const uri = one.reply.body.config_url as string;
    const done = await one.client.post("mfa-configure", { component: "ak-stage-authenticator-totp", code: await codeFor(uri, deps.clock.now()) });
    expect(done.body).toEqual(REDIRECT);

    await makeUser("carl");
    await seedMfaLoginFlow(deps, "mfa-choose", { not_configured_action: "configure", configuration_stages: [totpStage.pk, staticStage.pk] });
    const many = await passwordStep(app, getDeps, "mfa-choose", "carl");
    expect(many.reply.body).toMatchObject({
      component: "ak-stage-authenticator-validate",
      device_challenges: [],
      configuration_stages: [
        { pk: totpStage.pk, name: "cfg-totp", meta_model_name: "authentik_stages_authenticator_totp.authenticatortotpstage" },
        { pk: staticStage.pk, name: "cfg-static" },
      ],
    });
    const bad = await many.client.post("mfa-choose", { component: "ak-stage-authenticator-validate", selected_stage: crypto.randomUUID() });
    expect(errorsOf(bad)?.selected_stage).toBeDefined();
    const chosen = await many.client.post("mfa-choose", { component: "ak-stage-authenticator-validate", selected_stage: staticStage.pk });
    expect(chosen.body.component).toBe("ak-stage-authenticator-static");
  });

  it("last_auth_threshold skips validation on the same client within the threshold only", async () => {
    await seedMfaLoginFlow(deps, "mfa-threshold", { last_auth_threshold: "hours=1" });
    const first = await passwordStep(app, getDeps, "mfa-threshold", "tina");
    expect(first.reply.body.component).toBe("ak-stage-authenticator-validate");
    deps.clock.advance(30_000);
    const ok = await first.client.post("mfa-threshold", { component: "ak-stage-authenticator-validate", code: await codeFor(totpUri, deps.clock.now()) });
    expect(ok.body).toEqual(REDIRECT);

    const again = await passwordStep(app, getDeps, "mfa-threshold", "tina");
    expect(again.reply.body).toEqual(REDIRECT);
    const otherClient = await passwordStep(app, getDeps, "mfa-threshold", "tina", { "User-Agent": "elsewhere" });
    expect(otherClient.reply.body.component).toBe("ak-stage-authenticator-validate");
    // The default flow's threshold (seconds=0) never skips.
    const plain = await passwordStep(app, getDeps, "mfa-login", "tina");
    expect(plain.reply.body.component).toBe("ak-stage-authenticator-validate");
  });

  it("an empty response is an error, not a pass", async () => {
    const { client } = await passwordStep(app, getDeps, "mfa-login", "tina", { "User-Agent": "empty" });
    const empty = await client.post("mfa-login", { component: "ak-stage-authenticator-validate" });
    expect(errorsOf(empty)?.non_field_errors?.[0]?.string).toBe("Empty response");
    expect(FlowClient.url("mfa-login")).toContain("mfa-login");
  });
});
