/**
 * Email one-time codes (authentik `authentik/stages/authenticator_email`): on arrival an
 * unconfirmed email device is created for the pending user. When the address is known (the
 * user's email, else `prompt_data.email`) a code is mailed at once; otherwise the challenge asks
 * for `email` first. The right `code` confirms the device. Codes are stored hashed, expire after
 * `token_expiry` and are single use.
 */
import * as z from "zod";
import type { EmailDevice } from "../../ports/devices.js";
import { newNumericCode, normaliseCode } from "../mfa.js";
import { CTX } from "../plan.js";
import { challenge, defineStage, deny, next, nonFieldError, retry, type StageContext } from "../stage.js";
import { isTimedelta, parseTimedelta } from "../timedelta.js";

const CTX_DEVICE = "authenticator_email_device";
const COMPONENT = "ak-stage-authenticator-email";

export const authenticatorEmailConfig = z.object({
  /** How long a mailed code is valid (timedelta string, default 30 minutes). */
  token_expiry: z.string().refine(isTimedelta, "invalid duration").default("minutes=30"),
  /** Subject of the mail. */
  subject: z.string().default("Threshold Sign-in code"),
  /** Name of the created device; null = "Email Device". */
  friendly_name: z.string().nullable().default(null),
  /** Flow (UUID) users run to set up this authenticator. */
  configure_flow: z.uuid().nullable().default(null),
});
type Config = z.infer<typeof authenticatorEmailConfig>;

const response = z.object({
  code: z.union([z.string().max(16), z.number().int().nonnegative()]).optional(),
  email: z.email().max(254).optional(),
});

/** `alice@example.com` → `a****@example.com` (authentik shows a masked address). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return email ? "*".repeat(email.length) : email;
  const local = email.slice(0, at);
  return `${local[0]}${"*".repeat(Math.max(local.length - 1, 1))}${email.slice(at)}`;
}

/** Mails a fresh code for `device` to `email` (the device's address is updated with it). */
export async function sendEmailCode(
  ctx: StageContext<unknown>,
  device: Pick<EmailDevice, "pk">,
  email: string,
  opts: { tokenExpiry: string; subject: string },
): Promise<void> {
  const code = newNumericCode(ctx.deps);
  const validUntil = new Date(ctx.deps.clock.now().getTime() + parseTimedelta(opts.tokenExpiry));
  await ctx.deps.store.devices.setEmailToken(device.pk, code, validUntil, email);
  const minutes = Math.max(1, Math.round(parseTimedelta(opts.tokenExpiry) / 60_000));
  await ctx.deps.mailer.send({
    to: email,
    subject: opts.subject,
    text: `Your sign-in code is ${code}.\n\nIt is valid for ${minutes} minute(s). If you did not try to sign in, ignore this mail.\n`,
  });
}

function knownEmail(ctx: StageContext<Config>, userEmail: string, device: EmailDevice | null): string | null {
  if (userEmail) return userEmail;
  const prompt = ctx.plan.context[CTX.promptData] as Record<string, unknown> | undefined;
  if (typeof prompt?.email === "string" && prompt.email) return prompt.email;
  return device?.email || null;
}

async function pendingDevice(ctx: StageContext<Config>, userPk: number): Promise<EmailDevice | null> {
  const pk = ctx.plan.context[CTX_DEVICE];
  if (typeof pk !== "number") return null;
  const device = await ctx.deps.store.devices.emailByPk(pk);
  return device && device.userPk === userPk && !device.confirmed ? device : null;
}

const sendOpts = (c: Config) => ({ tokenExpiry: c.token_expiry, subject: c.subject });

async function challengeFields(ctx: StageContext<Config>) {
  const user = await ctx.pendingUser();
  const device = user ? await pendingDevice(ctx, user.pk) : null;
  const email = user ? knownEmail(ctx, user.email, device) : null;
  return { email: email ? maskEmail(email) : null, email_required: email === null };
}

export const authenticatorEmailStage = defineStage({
  type: "authenticator_email",
  component: COMPONENT,
  config: authenticatorEmailConfig,
  response,

  async enter(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return deny("No pending user.");
    let device = await pendingDevice(ctx, user.pk);
    if (device) return null;
    const email = knownEmail(ctx, user.email, null);
    device = await ctx.deps.store.devices.createEmail({ userPk: user.pk, name: ctx.config.friendly_name || "Email Device", email: email ?? "" });
    ctx.plan.context[CTX_DEVICE] = device.pk;
    if (email) await sendEmailCode(ctx, device, email, sendOpts(ctx.config));
    return null;
  },

  challenge: challengeFields,

  async submit(ctx, res) {
    const user = await ctx.pendingUser();
    const device = user ? await pendingDevice(ctx, user.pk) : null;
    if (!user || !device) return deny("The device to set up no longer exists.");
    if (res.code === undefined) {
      if (!res.email) return retry({ email: [{ string: "email required", code: "required" }] });
      await sendEmailCode(ctx, device, res.email, sendOpts(ctx.config));
      return challenge({ component: COMPONENT, ...(await challengeFields(ctx)) });
    }
    const ok = await ctx.deps.store.devices.consumeEmailToken(device.pk, normaliseCode(typeof res.code === "number" ? String(res.code).padStart(6, "0") : res.code), ctx.deps.clock.now());
    if (!ok) return retry({ code: [{ string: "Code does not match", code: "invalid" }] });
    if (!(await ctx.deps.store.devices.confirmEmail(device.pk, user.pk))) return retry(nonFieldError("Device not found."));
    delete ctx.plan.context[CTX_DEVICE];
    return next();
  },
});
