/**
 * User delete stage (authentik `authentik/stages/user_delete`): deletes the pending user (their
 * sessions, tokens and memberships go with them) and ends the session if it was theirs.
 */
import * as z from "zod";
import { recordEvent } from "../../services/events.js";
import { CTX } from "../plan.js";
import { defineActionStage, deny, next } from "../stage.js";

export const userDeleteConfig = z.object({});

export const userDeleteStage = defineActionStage({
  type: "user_delete",
  config: userDeleteConfig,

  async run(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return deny("No Pending User.");
    const sessionUser = await ctx.session.user();
    if (sessionUser?.pk === user.pk) await ctx.session.logout();
    await ctx.deps.store.enrollment.deleteUser(user.pk);
    delete ctx.plan.context[CTX.pendingUser];
    await recordEvent(ctx.deps, {
      action: "model_deleted",
      user,
      clientIp: ctx.request.ip,
      context: { model: { app: "authentik_core", model_name: "user", pk: user.pk, name: user.username } },
    });
    return next();
  },
});
