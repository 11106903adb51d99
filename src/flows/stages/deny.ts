/** Deny stage (authentik `authentik/stages/deny`): ends the flow with an access-denied message. */
import * as z from "zod";
import { defineActionStage, deny } from "../stage.js";

export const denyConfig = z.object({
  /** Message shown to the user; empty = the generic "Access denied". */
  deny_message: z.string().default(""),
});

export const denyStage = defineActionStage({
  type: "deny",
  config: denyConfig,
  run: (ctx) => deny(ctx.config.deny_message || "Access denied"),
});
