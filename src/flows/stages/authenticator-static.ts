/**
 * Recovery codes (authentik `authentik/stages/authenticator_static`): on arrival an unconfirmed
 * device with `token_count` codes is created for the pending user; the codes are shown once and
 * kept in the plan (not in the database, which holds only their hashes) until the user confirms
 * having saved them, so a reload shows the same codes. Submitting confirms the device.
 */
import * as z from "zod";
import { newRecoveryCode } from "../mfa.js";
import { defineStage, deny, next, type StageContext } from "../stage.js";

/** Plan context key: `{pk, codes}` of the device being set up. */
const CTX_DEVICE = "authenticator_static_device";

export const authenticatorStaticConfig = z.object({
  /** How many codes to generate (default 6). */
  token_count: z.number().int().min(1).max(100).default(6),
  /** Length of each code (default 12). */
  token_length: z.number().int().min(6).max(64).default(12),
  /** Name of the created device; null = "Static Token" (authentik's default). */
  friendly_name: z.string().nullable().default(null),
  /** Flow (UUID) users run to set up this authenticator. */
  configure_flow: z.uuid().nullable().default(null),
});
type Config = z.infer<typeof authenticatorStaticConfig>;

interface Pending {
  pk: number;
  codes: string[];
}

async function pending(ctx: StageContext<Config>, userPk: number): Promise<Pending | null> {
  const value = ctx.plan.context[CTX_DEVICE] as Pending | undefined;
  if (!value || typeof value.pk !== "number" || !Array.isArray(value.codes)) return null;
  const device = await ctx.deps.store.devices.staticByPk(value.pk);
  return device && device.userPk === userPk && !device.confirmed ? value : null;
}

export const authenticatorStaticStage = defineStage({
  type: "authenticator_static",
  component: "ak-stage-authenticator-static",
  config: authenticatorStaticConfig,
  response: z.object({}),

  async enter(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return deny("No pending user.");
    if (await pending(ctx, user.pk)) return null;
    const codes = Array.from({ length: ctx.config.token_count }, () => newRecoveryCode(ctx.deps, ctx.config.token_length));
    const device = await ctx.deps.store.devices.createStatic({
      userPk: user.pk,
      name: ctx.config.friendly_name || "Static Token",
      tokens: codes,
    });
    ctx.plan.context[CTX_DEVICE] = { pk: device.pk, codes } satisfies Pending;
    return null;
  },

  async challenge(ctx) {
    const user = await ctx.pendingUser();
    const value = user ? await pending(ctx, user.pk) : null;
    return { codes: value?.codes ?? [] };
  },

  async submit(ctx) {
    const user = await ctx.pendingUser();
    const value = user ? await pending(ctx, user.pk) : null;
    if (!user || !value) return deny("The device to set up no longer exists.");
    await ctx.deps.store.devices.confirmStatic(value.pk, user.pk);
    delete ctx.plan.context[CTX_DEVICE];
    return next();
  },
});
