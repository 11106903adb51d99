/**
 * Redirect stage (authentik `authentik/stages/redirect`): ends the flow by sending the user to a
 * static URL or to another flow.
 */
import * as z from "zod";
import { defineActionStage, deny, redirect } from "../stage.js";

export const redirectConfig = z.object({
  /** "static": go to `target_static`; "flow": start `target_flow`. */
  mode: z.enum(["static", "flow"]).default("static"),
  target_static: z.string().default(""),
  target_flow: z.uuid().nullable().default(null),
  /** Carry the plan context into the target flow (not implemented yet; accepted for compatibility). */
  keep_context: z.boolean().default(true),
});

export const redirectStage = defineActionStage({
  type: "redirect",
  config: redirectConfig,

  async run(ctx) {
    if (ctx.config.mode === "static") {
      return ctx.config.target_static ? redirect(ctx.config.target_static) : deny("Redirect stage has no target.");
    }
    const flow = ctx.config.target_flow ? await ctx.deps.store.flows.byPk(ctx.config.target_flow) : null;
    return flow ? redirect(`/if/flow/${encodeURIComponent(flow.slug)}/`) : deny("Redirect stage has no target.");
  },
});
