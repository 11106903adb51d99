/**
 * Password stage (authentik `authentik/stages/password`): checks the pending user's password.
 * Unknown users (identification with `pretend_user_exists`) fail exactly like a wrong password,
 * after the same work. After `failed_attempts_before_cancel` failures the execution is cancelled.
 */
import * as z from "zod";
import { checkPassword, recordLoginFailed } from "../credentials.js";
import { checkCredentialLimits, countFailure } from "../limits.js";
import { CTX } from "../plan.js";
import { defineStage, deny, next, retry } from "../stage.js";

export const passwordConfig = z.object({
  /** authentik's authentication backends; only the built-in database backend exists here. */
  backends: z.array(z.string()).default(["authentik.core.auth.InbuiltBackend"]),
  /** Flow to set a password (UUID); shown as a link by some clients. */
  configure_flow: z.uuid().nullable().default(null),
  /** Failed attempts in one execution before it is cancelled (default 5). */
  failed_attempts_before_cancel: z.number().int().min(1).default(5),
  /** Let the user reveal the typed password (UI hint). */
  allow_show_password: z.boolean().default(false),
});

const response = z.object({ password: z.string().max(4096) });

const INVALID = "Invalid password";

export const passwordStage = defineStage({
  type: "password",
  component: "ak-stage-password",
  config: passwordConfig,
  response,

  async challenge(ctx) {
    const fields: Record<string, unknown> = { allow_show_password: ctx.config.allow_show_password };
    const recovery = await ctx.deps.store.flows.firstByDesignation("recovery");
    if (recovery) fields.recovery_url = `/if/flow/${encodeURIComponent(recovery.slug)}/`;
    return fields;
  },

  async submit(ctx, res) {
    const user = await ctx.pendingUser();
    const identifier = (ctx.plan.context[CTX.pendingUserIdentifier] as string | undefined) ?? user?.username ?? null;
    const throttled = await checkCredentialLimits(ctx, identifier);
    if (throttled) return throttled;

    if (await checkPassword(ctx.deps, user, res.password)) {
      ctx.plan.context[CTX.authMethod] = "password";
      ctx.plan.context[CTX.authMethodArgs] = {};
      delete ctx.plan.context[CTX.invalidTries];
      return next();
    }

    await countFailure(ctx, identifier);
    await recordLoginFailed(ctx, identifier ?? "", user);
    const tries = Number(ctx.plan.context[CTX.invalidTries] ?? 0) + 1;
    ctx.plan.context[CTX.invalidTries] = tries;
    if (tries >= ctx.config.failed_attempts_before_cancel) return deny(INVALID);
    return retry({ password: [{ string: INVALID, code: "invalid" }] });
  },
});
