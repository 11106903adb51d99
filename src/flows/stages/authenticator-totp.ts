/**
 * TOTP enrolment (authentik `authentik/stages/authenticator_totp`): on arrival an unconfirmed
 * device with a fresh seed (stored wrapped) is created for the pending user and remembered in the
 * plan, so a reload shows the same `config_url`; the first valid `code` confirms it. The flow
 * page renders `config_url` as a QR code with {@link totpQrSvg}.
 */
import { renderSVG } from "uqr";
import * as z from "zod";
import { newTotpSecret, TOTP_KEY_CONTEXT, totpUri, verifyTotp } from "../mfa.js";
import { defineStage, deny, next, nonFieldError, retry, type StageContext } from "../stage.js";

/** Plan context key of the device being enrolled. */
const CTX_DEVICE = "authenticator_totp_device";

export const authenticatorTotpConfig = z.object({
  /** Code length: 6 or 8 digits (authentik `TOTPDigits`; blueprints may give it as a string). */
  digits: z.coerce.number().pipe(z.union([z.literal(6), z.literal(8)])).default(6),
  /** Name of the created device; null = "TOTP Device" (authentik's default). */
  friendly_name: z.string().nullable().default(null),
  /** Flow (UUID) users run to set up this authenticator (user settings, `configuration_stages`). */
  configure_flow: z.uuid().nullable().default(null),
});
type Config = z.infer<typeof authenticatorTotpConfig>;

const response = z.object({ code: z.string().max(16) });

/** An SVG QR code of an `otpauth://` URI (uqr: pure JS, no canvas, Workers-safe). */
export function totpQrSvg(configUrl: string): string {
  return renderSVG(configUrl, { ecc: "M", border: 2 });
}

async function issuerOf(ctx: StageContext<Config>): Promise<string> {
  const brand = await ctx.deps.store.brands.forHost(ctx.request.host).catch(() => null);
  return brand?.brandingTitle || ctx.flow.title || "Threshold";
}

/** The device this execution is enrolling, if it still exists unconfirmed for the user. */
async function pendingDevice(ctx: StageContext<Config>, userPk: number) {
  const pk = ctx.plan.context[CTX_DEVICE];
  if (typeof pk !== "number") return null;
  const device = await ctx.deps.store.devices.totpByPk(pk);
  return device && device.userPk === userPk && !device.confirmed ? device : null;
}

export const authenticatorTotpStage = defineStage({
  type: "authenticator_totp",
  component: "ak-stage-authenticator-totp",
  config: authenticatorTotpConfig,
  response,

  async enter(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return deny("No pending user.");
    if (await pendingDevice(ctx, user.pk)) return null;
    const device = await ctx.deps.store.devices.createTotp({
      userPk: user.pk,
      name: ctx.config.friendly_name || "TOTP Device",
      keyWrapped: await ctx.deps.keys.wrap(newTotpSecret(ctx.deps), TOTP_KEY_CONTEXT),
      digits: ctx.config.digits,
    });
    ctx.plan.context[CTX_DEVICE] = device.pk;
    return null;
  },

  async challenge(ctx) {
    const user = await ctx.pendingUser();
    const device = user ? await pendingDevice(ctx, user.pk) : null;
    if (!user || !device) return { config_url: "" };
    const secret = await ctx.deps.keys.unwrapText(device.keyWrapped, TOTP_KEY_CONTEXT);
    const config_url = totpUri({ secret, issuer: await issuerOf(ctx), label: user.username, digits: device.digits, period: device.period });
    return { config_url };
  },

  async submit(ctx, res) {
    const user = await ctx.pendingUser();
    const device = user ? await pendingDevice(ctx, user.pk) : null;
    if (!user || !device) return deny("The device to set up no longer exists.");
    if (!(await verifyTotp(ctx.deps, device, res.code))) {
      return retry({ code: [{ string: "Code does not match", code: "invalid" }] });
    }
    if (!(await ctx.deps.store.devices.confirmTotp(device.pk, user.pk))) return retry(nonFieldError("Device not found."));
    delete ctx.plan.context[CTX_DEVICE];
    return next();
  },
});
