/**
 * Redirect stage (authentik `authentik/stages/redirect`): ends the flow by sending the user to a
 * static URL ("static") or to another flow ("flow"). In flow mode the flow's original query
 * (`?next=`, `?itoken=`, …) goes along, so the target flow sees what this one was started with.
 *
 * With `keep_context` (the default) the plan context (pending user, prompt data, …) is handed to
 * the target flow's next execution in this session, as authentik does; the query goes along
 * either way.
 */
import * as z from "zod";
import { CTX } from "../plan.js";
import { defineActionStage, deny, redirect, type StageContext } from "../stage.js";

export const redirectConfig = z.object({
  /** "static": go to `target_static`; "flow": start `target_flow`. */
  mode: z.enum(["static", "flow"]).default("static"),
  target_static: z.string().default(""),
  target_flow: z.uuid().nullable().default(null),
  /** Carry the plan context into the target flow. */
  keep_context: z.boolean().default(true),
});
type RedirectConfig = z.infer<typeof redirectConfig>;

const NO_TARGET = "Redirect stage has no target.";

/** The flow's original query string, as given when it started. */
function originalQuery(ctx: StageContext<RedirectConfig>): string {
  const get = ctx.plan.context[CTX.get];
  if (get === null || typeof get !== "object") return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(get)) if (typeof v === "string") params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export const redirectStage = defineActionStage({
  type: "redirect",
  config: redirectConfig,

  async run(ctx) {
    if (ctx.config.mode === "static") {
      return ctx.config.target_static ? redirect(ctx.config.target_static) : deny(NO_TARGET);
    }
    const flow = ctx.config.target_flow ? await ctx.deps.store.flows.byPk(ctx.config.target_flow) : null;
    if (!flow) return deny(NO_TARGET);
    if (flow.pk === ctx.flow.pk) return deny("Redirect stage points at its own flow.");
    if (ctx.config.keep_context) {
      // The query is the target's own; everything else the stages gathered goes across.
      const { [CTX.get]: _query, ...context } = ctx.plan.context;
      await ctx.session.carryContext(flow.slug, context);
    }
    return redirect(`/if/flow/${encodeURIComponent(flow.slug)}/${originalQuery(ctx)}`);
  },
});
