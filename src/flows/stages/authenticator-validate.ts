/**
 * MFA validation (authentik `authentik/stages/authenticator_validate`): asks the pending user for
 * a second factor from one of their devices of the allowed `device_classes`.
 *
 * On arrival: no pending user → skip; validated on this client within `last_auth_threshold` →
 * skip; no usable device → `not_configured_action` (skip, deny, or configure: one configuration
 * stage is inserted into the plan, several are offered as `configuration_stages`).
 * Responses: `code` (TOTP, recovery code or mailed code; `selected_challenge` narrows the class
 * and, for email, sends the code), `webauthn` (delegated to the registered validator, see
 * `src/flows/mfa.ts`), `selected_stage`. Failures are `login_failed` events and count against the
 * credential rate limits; success sets `auth_method` = `auth_mfa` unless a method is set already
 * (authentik's `setdefault`: a password login stays "password") and appends the device to
 * `auth_method_args.mfa_devices`.
 */
import * as z from "zod";
import type { DeviceClass, DeviceSummary } from "../../ports/devices.js";
import type { User } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import { checkCredentialLimits, countFailure } from "../limits.js";
import {
  deviceArg,
  MFA_AUTH_METHOD,
  mfaValidator,
  normaliseCode,
  recentMfa,
  rememberMfa,
  validateCode,
  type UsedDevice,
} from "../mfa.js";
import { CTX, type PlanBinding } from "../plan.js";
import { challenge, defineStage, deny, next, nonFieldError, retry, type ResponseErrors, type StageContext, type StageResult } from "../stage.js";
import { isTimedelta, parseTimedelta } from "../timedelta.js";
import { maskEmail, sendEmailCode } from "./authenticator-email.js";

const COMPONENT = "ak-stage-authenticator-validate";
/** Plan context: configuration stages offered to a user without devices (`configure`). */
const CTX_STAGES = "authenticator_validate_stages";

/** Mailed codes: authentik takes these from the device's enrolment stage; devices here do not link it. */
const EMAIL_CODE = { tokenExpiry: "minutes=30", subject: "Threshold Sign-in code" };

const ALL_CLASSES = ["static", "totp", "webauthn", "duo", "sms", "email"] as const;

export const authenticatorValidateConfig = z.object({
  /** Device classes accepted (authentik's default: all). duo and sms are accepted but not implemented. */
  device_classes: z.array(z.enum(ALL_CLASSES)).default([...ALL_CLASSES]),
  /** What to do when the user has no usable device (default skip). */
  not_configured_action: z.enum(["skip", "deny", "configure"]).default("skip"),
  /** Stages (UUIDs) a user without devices may run to set one up (`configure`). */
  configuration_stages: z.array(z.uuid()).default([]),
  /** Skip when the user validated on this client within this duration (default "seconds=0": never). */
  last_auth_threshold: z.string().refine(isTimedelta, "invalid duration").default("seconds=0"),
  /** WebAuthn `userVerification` for assertions. */
  webauthn_user_verification: z.enum(["required", "preferred", "discouraged"]).default("preferred"),
  /** Restricts WebAuthn authenticators by AAGUID (handled by the WebAuthn validator, if at all). */
  webauthn_allowed_device_types: z.array(z.string()).default([]),
});
type Config = z.infer<typeof authenticatorValidateConfig>;

const deviceChallenge = z.object({
  device_class: z.string(),
  device_uid: z.union([z.string(), z.number()]).transform(String),
  challenge: z.unknown().optional(),
});

const response = z.object({
  selected_challenge: deviceChallenge.optional(),
  selected_stage: z.string().optional(),
  code: z.union([z.string().max(64), z.number().int().nonnegative()]).optional(),
  webauthn: z.record(z.string(), z.unknown()).optional(),
});
type Response = z.infer<typeof response>;

type Ctx = StageContext<Config>;

const CODE_CLASSES: readonly DeviceClass[] = ["totp", "static", "email"];

/** The user's confirmed devices this stage can validate. */
async function usableDevices(ctx: Ctx, user: User): Promise<DeviceSummary[]> {
  const allowed = new Set<string>(ctx.config.device_classes);
  const devices = await ctx.deps.store.devices.devicesOf(user.pk);
  return devices.filter(
    (d) => allowed.has(d.deviceClass) && (CODE_CLASSES.includes(d.deviceClass) || mfaValidator(d.deviceClass) !== undefined),
  );
}

/** Inserts `stagePk` right after the current stage (authentik `plan.insert_stage`). */
async function insertStage(ctx: Ctx, stagePk: string): Promise<boolean> {
  const stage = await ctx.deps.store.flows.stageByPk(stagePk);
  if (!stage) return false;
  const binding: PlanBinding = {
    bindingPk: `inserted:${stage.pk}`,
    stagePk: stage.pk,
    stageType: stage.type,
    order: ctx.binding.order,
    reEvaluatePolicies: false,
    invalidResponseAction: "retry",
  };
  ctx.plan.bindings.splice(ctx.plan.index + 1, 0, binding);
  return true;
}

async function notConfigured(ctx: Ctx, user: User): Promise<StageResult | null> {
  const action = ctx.config.not_configured_action;
  if (action === "skip") return next();
  if (action === "deny") return deny("No authenticator configured.");
  const stages = ctx.config.configuration_stages;
  if (stages.length === 0) {
    await recordEvent(ctx.deps, {
      action: "configuration_error",
      user,
      clientIp: ctx.request.ip,
      context: { message: "Authenticator validation stage is set to configure user but no configuration flow is set.", stage: ctx.stage.name },
    });
    return deny("No authenticator configured.");
  }
  if (stages.length === 1) return (await insertStage(ctx, stages[0]!)) ? next() : deny("No authenticator configured.");
  ctx.plan.context[CTX_STAGES] = stages;
  return null;
}

/** authentik `model_name`s of the configuration stage types. */
function stageMeta(type: string): { verbose_name: string; meta_model_name: string } {
  const model = `authenticator${type.replace(/^authenticator_/, "")}stage`;
  const label = type.replace(/^authenticator_/, "").toUpperCase();
  return { verbose_name: `${label} Authenticator Setup Stage`, meta_model_name: `authentik_stages_${type}.${model}` };
}

async function configurationStages(ctx: Ctx) {
  const pks = ctx.plan.context[CTX_STAGES];
  if (!Array.isArray(pks)) return [];
  const out = [];
  for (const pk of pks) {
    const stage = typeof pk === "string" ? await ctx.deps.store.flows.stageByPk(pk) : null;
    if (stage) out.push({ pk: stage.pk, name: stage.name, ...stageMeta(stage.type) });
  }
  return out;
}

/** One challenge per class; WebAuthn's covers all of the user's credentials (as authentik). */
async function deviceChallenges(ctx: Ctx, user: User, devices: DeviceSummary[]) {
  const seen = new Set<DeviceClass>();
  const out: { device_class: DeviceClass; device_uid: string; challenge: unknown }[] = [];
  for (const d of devices) {
    if (seen.has(d.deviceClass)) continue;
    seen.add(d.deviceClass);
    let data: unknown = {};
    if (d.deviceClass === "email") {
      const device = await ctx.deps.store.devices.emailByPk(d.pk);
      data = { email: device ? maskEmail(device.email) : "" };
    } else if (!CODE_CLASSES.includes(d.deviceClass)) {
      data = await mfaValidator(d.deviceClass)!.challenge(ctx as StageContext<unknown>, user, ctx.config.webauthn_user_verification);
    }
    out.push({ device_class: d.deviceClass, device_uid: String(d.pk), challenge: data });
  }
  return out;
}

async function challengeFields(ctx: Ctx) {
  const user = await ctx.pendingUser();
  const devices = user ? await usableDevices(ctx, user) : [];
  return {
    device_challenges: user ? await deviceChallenges(ctx, user, devices) : [],
    configuration_stages: await configurationStages(ctx),
  };
}

/** authentik's `login_failed` for a wrong second factor (the code itself is never recorded). */
async function failed(ctx: Ctx, user: User, deviceClass: string, errors: ResponseErrors): Promise<StageResult> {
  await countFailure(ctx as StageContext<unknown>, user.username);
  await recordEvent(ctx.deps, {
    action: "login_failed",
    user,
    clientIp: ctx.request.ip,
    context: {
      username: user.username,
      device_class: deviceClass,
      stage: { pk: ctx.stage.pk, name: ctx.stage.name, type: ctx.stage.type },
      flow: { pk: ctx.flow.pk, slug: ctx.flow.slug },
      http_request: { path: ctx.request.path, method: ctx.request.method },
    },
  });
  return retry(errors);
}

async function succeeded(ctx: Ctx, user: User, device: UsedDevice): Promise<StageResult> {
  const args = (ctx.plan.context[CTX.authMethodArgs] as Record<string, unknown> | undefined) ?? {};
  const used = Array.isArray(args.mfa_devices) ? args.mfa_devices : [];
  // authentik: `setdefault` — after a password the method stays "password" (OIDC amr: pwd + otp).
  ctx.plan.context[CTX.authMethod] ??= MFA_AUTH_METHOD;
  ctx.plan.context[CTX.authMethodArgs] = { ...args, mfa_devices: [...used, deviceArg(device)] };
  await rememberMfa(ctx as StageContext<unknown>, user.pk, device, parseTimedelta(ctx.config.last_auth_threshold));
  return next();
}

/** A `code` against the allowed code devices (all of them, or the selected class). */
async function checkCode(ctx: Ctx, user: User, devices: DeviceSummary[], res: Response): Promise<StageResult> {
  const raw = typeof res.code === "number" ? String(res.code).padStart(6, "0") : normaliseCode(res.code ?? "");
  const owned = new Set(devices.map((d) => d.deviceClass));
  let classes = CODE_CLASSES.filter((c) => owned.has(c));
  if (res.selected_challenge) classes = classes.filter((c) => c === res.selected_challenge!.device_class);
  if (classes.length === 0) return retry({ code: [{ string: "No compatible device class allowed", code: "invalid" }] });
  let used = await validateCode(ctx.deps, user, raw, classes);
  if (!used && classes.includes("email")) {
    for (const d of devices.filter((x) => x.deviceClass === "email")) {
      if (await ctx.deps.store.devices.consumeEmailToken(d.pk, raw, ctx.deps.clock.now())) {
        used = { deviceClass: "email", pk: d.pk, name: d.name };
        break;
      }
    }
  }
  if (!used) return failed(ctx, user, classes.join(","), { code: [{ string: "Invalid Token", code: "invalid" }] });
  return succeeded(ctx, user, used);
}

async function checkWebauthn(ctx: Ctx, user: User, devices: DeviceSummary[], data: unknown): Promise<StageResult> {
  const validator = mfaValidator("webauthn");
  if (!validator || !devices.some((d) => d.deviceClass === "webauthn")) {
    return retry({ webauthn: [{ string: "No compatible device class allowed", code: "invalid" }] });
  }
  const result = await validator.validate(ctx as StageContext<unknown>, user, data, ctx.config.webauthn_user_verification);
  if (!result.ok) return failed(ctx, user, "webauthn", { webauthn: [{ string: result.message, code: "invalid" }] });
  return succeeded(ctx, user, { deviceClass: "webauthn", pk: result.device.pk, name: result.device.name });
}

/** `selected_challenge` alone: for email, mail a code (authentik's `initiate`). */
async function select(ctx: Ctx, devices: DeviceSummary[], selected: z.infer<typeof deviceChallenge>): Promise<StageResult> {
  const device = devices.find((d) => d.deviceClass === selected.device_class && String(d.pk) === selected.device_uid);
  if (!device) return retry({ selected_challenge: [{ string: "invalid challenge selected", code: "invalid" }] });
  if (device.deviceClass === "email") {
    const email = await ctx.deps.store.devices.emailByPk(device.pk);
    if (email) await sendEmailCode(ctx as StageContext<unknown>, email, email.email, EMAIL_CODE);
  }
  return challenge({ component: COMPONENT, ...(await challengeFields(ctx)) });
}


export const authenticatorValidateStage = defineStage({
  type: "authenticator_validate",
  component: COMPONENT,
  config: authenticatorValidateConfig,
  response,

  async enter(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return next(); // passwordless WebAuthn is identification's (webauthn_stage)
    const devices = await usableDevices(ctx, user);
    if (devices.length === 0) return notConfigured(ctx, user);
    if (parseTimedelta(ctx.config.last_auth_threshold) > 0) {
      const recent = await recentMfa(ctx as StageContext<unknown>, user.pk);
      if (recent && devices.some((d) => d.deviceClass === recent.deviceClass && String(d.pk) === String(recent.pk))) return next();
    }
    return null;
  },

  challenge: challengeFields,

  async submit(ctx, res) {
    const user = await ctx.pendingUser();
    if (!user) return deny("No pending user.");
    if (res.selected_stage !== undefined) {
      const offered = ctx.plan.context[CTX_STAGES];
      if (!Array.isArray(offered) || !offered.includes(res.selected_stage)) {
        return retry({ selected_stage: [{ string: "Selected stage is invalid", code: "invalid" }] });
      }
      delete ctx.plan.context[CTX_STAGES];
      return (await insertStage(ctx, res.selected_stage)) ? next() : retry(nonFieldError("Selected stage is invalid"));
    }
    const throttled = await checkCredentialLimits(ctx as StageContext<unknown>, user.username);
    if (throttled) return throttled;
    const devices = await usableDevices(ctx, user);
    if (res.webauthn !== undefined) return checkWebauthn(ctx, user, devices, res.webauthn);
    if (res.code !== undefined) return checkCode(ctx, user, devices, res);
    if (res.selected_challenge) return select(ctx, devices, res.selected_challenge);
    return retry(nonFieldError("Empty response"));
  },
});
