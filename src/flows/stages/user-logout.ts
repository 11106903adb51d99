/** User logout stage (authentik `authentik/stages/user_logout`): ends the authenticated session. */
import * as z from "zod";
import { recordEvent } from "../../services/events.js";
import { defineActionStage, next } from "../stage.js";

export const userLogoutConfig = z.object({});

export const userLogoutStage = defineActionStage({
  type: "user_logout",
  config: userLogoutConfig,

  async run(ctx) {
    const user = await ctx.session.user();
    await ctx.session.logout();
    if (user) await recordEvent(ctx.deps, { action: "logout", user, clientIp: ctx.request.ip });
    return next();
  },
});
